"""A signed-in buyer reports a listing from its page: a reason from the list and his own words.

One open report per buyer and product (a second submit changes nothing), rate-limited per address
like the other forms strangers can post (CATALOG_REPORT_RATELIMIT).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from catalog import bp
from catalog.models import Product
from catalog.services import moderation as mod
from marketplace.extensions import db, limiter


def _report_limit() -> str:
    return current_app.config["CATALOG_REPORT_RATELIMIT"]


@bp.post("/p/<int:product_id>/report")
@limiter.limit(_report_limit)
@login_required
def report_listing(product_id: int):
    product = db.get_or_404(Product, product_id)
    back = url_for("catalog.product", product_id=product_id) + "#report"
    try:
        _report, new = mod.report_product(product, current_user, request.form.get("reason", ""),
                                          request.form.get("text", ""))
    except mod.ModerationError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(back, 303)
    flash(_("举报已提交，平台会尽快核查。谢谢！") if new else _("您已举报过这个商品，平台正在处理。"),
          "success" if new else "info")
    return redirect(back, 303)
