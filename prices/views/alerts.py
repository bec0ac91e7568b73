"""A signed-in user's price alerts: subscribe from a commodity's page, then list, edit, pause or
resume and delete them on "my price alerts". Another user's alert is a 404; a refused value
re-shows the form with the message and changes nothing (prices/alerts.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace import money
from prices import bp
from prices.alerts import (
    AlertError,
    delete,
    my_alerts,
    own_alert,
    set_active,
    subscribe,
    unit_choices,
    update,
)
from prices.queries import markets
from prices.views.public import commodity_or_404, commodity_page

FIELDS = ("direction", "price", "unit", "market")


def _form() -> dict:
    return {name: request.form.get(name, "").strip() for name in FIELDS}


def _values(form: dict) -> dict:
    return {"direction": form["direction"], "price": form["price"], "unit": form["unit"], "market_id": form["market"]}


@bp.post("/prices/<code>/alerts")
@login_required
def subscribe_alert(code: str):
    item = commodity_or_404(code)
    form = _form()
    try:
        _alert, created = subscribe(current_user, item, **_values(form))
    except AlertError as exc:
        return commodity_page(item, alert_form=form, alert_errors=exc.errors, status=exc.status)
    flash(_("已订阅价格提醒") if created else _("您已订阅过这条价格提醒"), "success")
    return redirect(url_for("prices.my_alerts"))


@bp.get("/prices/alerts", endpoint="my_alerts")
@login_required
def my_alerts_page():
    return render_template("prices/alerts.html", alerts=my_alerts(current_user))


@bp.route("/prices/alerts/<int:alert_id>/edit", methods=["GET", "POST"])
@login_required
def edit_alert(alert_id: int):
    alert = own_alert(current_user, alert_id)
    errors, status = {}, 200
    if request.method == "POST":
        form = _form()
        try:
            update(current_user, alert, **_values(form))
        except AlertError as exc:
            errors, status = exc.errors, exc.status
        else:
            flash(_("已保存价格提醒"), "success")
            return redirect(url_for("prices.my_alerts"))
    else:
        form = {"direction": alert.direction.value, "price": money.format_plain(alert.entered_cents),
                "unit": alert.entered_unit, "market": str(alert.market_id or "")}
    return render_template("prices/alert_edit.html", alert=alert, commodity=alert.commodity, alert_form=form,
                           alert_errors=errors, alert_units=unit_choices(alert.commodity),
                           alert_markets=markets()), status


@bp.post("/prices/alerts/<int:alert_id>/active")
@login_required
def toggle_alert(alert_id: int):
    alert = own_alert(current_user, alert_id)
    active = request.form.get("active") == "1"
    set_active(alert, active)
    flash(_("价格提醒已恢复") if active else _("价格提醒已暂停"), "success")
    return redirect(url_for("prices.my_alerts"))


@bp.post("/prices/alerts/<int:alert_id>/delete")
@login_required
def delete_alert(alert_id: int):
    delete(own_alert(current_user, alert_id))
    flash(_("已删除价格提醒"), "success")
    return redirect(url_for("prices.my_alerts"))
