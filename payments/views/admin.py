"""Admin pages: payments (with what needs attention), refunds, disputes, transfers, settlements,
commission earned and commission rates; refunds of any order."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog.models import Category
from marketplace import money
from marketplace.accounts.policy import admin_required
from marketplace.extensions import db
from marketplace.shops.models import Shop
from orders.models import Order
from payments import bp, ledger, payouts
from payments.models import (
    Account,
    CategoryCommission,
    Dispute,
    LedgerEntry,
    Payment,
    Refund,
    Settlement,
    Transfer,
)
from payments.services import PaymentError
from payments.views.merchant import refund_page


@bp.get("/admin/payments")
@admin_required
def admin_payments():
    def latest(model, n=100):
        return list(db.session.scalars(sa.select(model).order_by(model.id.desc()).limit(n)))

    commission = -(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0))
                                     .where(LedgerEntry.account == Account.COMMISSION)) or 0)
    attention = list(db.session.scalars(sa.select(Payment).where(Payment.attention != "").order_by(Payment.id.desc())))
    shops = list(db.session.scalars(sa.select(Shop).order_by(Shop.name)))
    return render_template("payments/admin/index.html", payments=latest(Payment), refunds=latest(Refund),
                           disputes=latest(Dispute), transfers=latest(Transfer), settlements=latest(Settlement),
                           commission=commission, attention=attention, shops=shops,
                           balances={s.id: ledger.shop_balance(s.id) for s in shops},
                           categories=list(db.session.scalars(sa.select(Category).order_by(Category.path))),
                           category_rates={c.category_id: c.commission_bps for c in db.session.scalars(
                               sa.select(CategoryCommission))},
                           shop_rates={s.shop_id: s.commission_bps for s in db.session.scalars(
                               sa.select(payouts.ShopPaymentSettings))},
                           default_bps=current_app.config["PLATFORM_COMMISSION_BPS"])


@bp.post("/admin/payments/settlements")
@admin_required
def admin_settlement():
    shop = db.session.get(Shop, request.form.get("shop_id", type=int) or 0)
    if shop is None:
        abort(404)
    text = (request.form.get("amount") or "").strip()
    payouts.record_settlement(shop, -_cents(text[1:]) if text.startswith("-") else _cents(text),
                              request.form.get("reference", ""), current_user)
    flash(_("结算已记录"), "success")
    return redirect(url_for("payments.admin_payments"))


def _cents(text: str) -> int:
    try:
        return money.parse_amount(text, current_app.config["CURRENCY"])
    except money.MoneyError as exc:
        raise PaymentError(str(exc), field="amount") from None


def _bps(text: str | None) -> int | None:
    """A percentage such as "5" or "2.5" into basis points; empty: None (no own rate)."""
    text = (text or "").strip().rstrip("%")
    if not text:
        return None
    try:
        bps = money.parse_amount(text, "CNY")  # two decimals: percent * 100 = basis points
    except money.MoneyError:
        raise PaymentError(_("佣金比例格式不正确")) from None
    return bps


@bp.post("/admin/payments/commission")
@admin_required
def admin_commission():
    form = request.form
    shop = db.get_or_404(Shop, form.get("shop_id", type=int) or 0) if form.get("shop_id") else None
    category = None if shop else db.get_or_404(Category, form.get("category_id", type=int) or 0)
    payouts.set_commission(_bps(form.get("percent")), shop=shop, category=category)
    flash(_("佣金比例已保存"), "success")
    return redirect(url_for("payments.admin_payments"))


@bp.route("/admin/orders/<int:order_id>/refund", methods=["GET", "POST"])
@admin_required
def admin_refund(order_id: int):
    order = db.session.get(Order, order_id)
    if order is None:
        abort(404)
    return refund_page(order, "payments.admin_refund", "orders.admin_order")
