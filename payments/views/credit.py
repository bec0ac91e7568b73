"""Credit terms pages: the buyer's business profile and statements, buying on credit from the pay
page, the merchant's credit lines and statements (grant credit, confirm a statement's payment).
A foreign statement is a 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.shops.policy import merchant_required, own_or_404
from orders.policy import buyer_group_or_404
from orders.terms_models import Statement
from payments import bp, credit, gateways, services
from payments.models import Payment, PaymentMethod


@bp.app_template_global()
def credit_offer_for(group) -> list:
    """[(order, credit line, refusal or None)] for the pay page's 月结 choice."""
    rows = []
    for order, line in credit.credit_offer(group):
        reason = None
        if credit.has_overdue(line.shop_id, group.buyer_id):
            reason = _("有逾期未付的月结单")
        elif credit.outstanding_cents(line) + order.total_cents > line.limit_cents:
            reason = _("超出授信额度")
        rows.append((order, line, reason))
    return rows


@bp.post("/payments/group/<int:group_id>/credit")
@login_required
def buy_on_credit(group_id: int):
    group = buyer_group_or_404(group_id, current_user)
    orders = credit.buy_on_credit(group, current_user)
    flash(_("%(n)d 个订单已按月结下单，无需现在付款", n=len(orders)), "success")
    return redirect(url_for("payments.pay_group", group_id=group.id))


@bp.route("/account/business", methods=["GET", "POST"])
@login_required
def business_profile():
    if request.method == "POST":
        credit.save_profile(current_user, request.form.get("company_name"), request.form.get("tax_id"))
        flash(_("企业信息已保存"), "success")
        return redirect(url_for("payments.business_profile"))
    lines = db.session.scalars(db.select(credit.CreditLine).where(credit.CreditLine.buyer_id == current_user.id,
                                                                  credit.CreditLine.active.is_(True)))
    return render_template("payments/credit/business.html", profile=credit.profile_of(current_user),
                           lines=[(line, credit.outstanding_cents(line)) for line in lines])


@bp.get("/account/statements")
@login_required
def my_statements():
    return render_template("payments/credit/statements.html", statements=credit.statements_of_buyer(current_user.id),
                           viewer="buyer", label=credit.status_label)


def _statement_page(statement, viewer: str):
    settings = services.settings_by_shop([statement.shop_id]).get(statement.shop_id)
    line = credit.credit_line(statement.shop_id, statement.buyer_id, active_only=False)
    online = [g for g in gateways.online() if g.name != PaymentMethod.STRIPE.value] if viewer == "buyer" else []
    return render_template("payments/credit/statement.html", statement=statement, viewer=viewer, settings=settings,
                           online=online,
                           label=credit.status_label,
                           buyer_name=line.company_name if line else credit.buyer_name(statement.buyer_id))


def _own_statement(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None or statement.buyer_id != current_user.id:
        abort(404)
    return statement


@bp.get("/account/statements/<int:statement_id>")
@login_required
def my_statement(statement_id: int):
    return _statement_page(_own_statement(statement_id), "buyer")


@bp.route("/account/statements/<int:statement_id>/online/<method>", methods=["GET", "POST"])
@login_required
def statement_online(statement_id: int, method: str):
    """POST starts (or finds) the statement's WeChat Pay / Alipay trade; GET shows its QR code, then
    that the statement is paid."""
    from payments import online
    from payments.views.online import qr_page, start_or_refuse

    statement = _own_statement(statement_id)
    if method not in (m.value for m in online.ONLINE):
        abort(404)
    back = url_for("payments.my_statement", statement_id=statement.id)
    if request.method == "POST":
        refused = start_or_refuse(lambda: online.start_statement(statement, method), back)
        return refused or redirect(url_for("payments.statement_online", statement_id=statement.id, method=method))
    payment = db.session.scalar(sa.select(Payment).where(
        Payment.statement_id == statement.id, Payment.method == PaymentMethod(method), Payment.checkout_url.is_not(None))
        .order_by(Payment.id.desc()))
    if payment is None:
        return redirect(back)
    return qr_page(payment, _("月结单 %(period)s %(shop)s", period=statement.period, shop=statement.shop.name[:40]),
                   back=back, check=("payments.statement_online",
                                     {"statement_id": statement.id, "method": method, "check": 1}),
                   refresh_rows=[statement])


@bp.route("/merchant/credit", methods=["GET", "POST"])
@merchant_required(owner=True)
def merchant_credit(shop):
    if request.method == "POST":
        credit.grant_credit(shop, current_user, request.form.get("tax_id"), request.form.get("limit"),
                            request.form.get("term_days"))
        flash(_("授信已保存"), "success")
        return redirect(url_for("payments.merchant_credit"))
    lines = credit.lines_of_shop(shop.id)
    return render_template("payments/credit/merchant.html", shop=shop,
                           lines=[(line, credit.outstanding_cents(line)) for line in lines],
                           companies={line.buyer_id: line.company_name for line in lines},
                           statements=credit.statements_of_shop(shop.id), label=credit.status_label,
                           buyer_name=credit.buyer_name)


@bp.get("/merchant/statements/<int:statement_id>")
@merchant_required
def merchant_credit_statement(statement_id: int, shop):
    return _statement_page(own_or_404(db.session.get(Statement, statement_id), shop), "merchant")


@bp.post("/merchant/statements/<int:statement_id>/paid")
@merchant_required(owner=True)
def merchant_credit_statement_paid(statement_id: int, shop):
    statement = own_or_404(db.session.get(Statement, statement_id), shop)
    credit.confirm_paid(statement, current_user, request.form.get("method") or "bank_transfer")
    flash(_("已确认收到月结款"), "success")
    return redirect(url_for("payments.merchant_credit_statement", statement_id=statement.id))
