"""Merchant pages: payment methods and bank account, Connect onboarding, refunds, balance and the
CSV statement. The shop comes from shops.policy.merchant_required; orders through orders.policy.merchant_order_or_404."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import money
from marketplace.exports import csv_response
from marketplace.extensions import db
from marketplace.shops.policy import merchant_required
from marketplace.templating import money_filter
from marketplace.web import absolute_url
from orders.models import Order, OrderStatus
from orders.policy import merchant_order_or_404
from orders.status import status_label
from payments import bp, ledger, payouts, refunds, stripe_api
from payments.models import Account, LedgerEntry, Refund, Settlement, Transfer
from payments.services import PaymentError
from payments.stripe_api import stripe


@bp.route("/merchant/payments/settings", methods=["GET", "POST"])
@merchant_required
def merchant_settings(shop):
    if request.method == "POST":
        payouts.save_settings(shop, request.form)
        flash(_("收款方式已保存"), "success")
        return redirect(url_for("payments.merchant_settings"))
    return render_template("payments/merchant/settings.html", shop=shop, settings=payouts.settings_for(shop.id),
                           stripe_on=stripe_api.enabled())


@bp.post("/merchant/payments/connect")
@merchant_required(owner=True)
def merchant_connect(shop):
    try:
        link = payouts.onboarding_link(shop, current_user.email,
                                       absolute_url("payments.merchant_settings"),
                                       absolute_url("payments.merchant_connect_return"))
    except (PaymentError, stripe.StripeError) as exc:
        current_app.logger.warning("payments: onboarding of shop %s: %s", shop.id, exc)
        flash(_("暂时无法开通收款账户，请稍后再试"), "error")
        return redirect(url_for("payments.merchant_settings"))
    return redirect(link)


@bp.get("/merchant/payments/connect/return")
@merchant_required
def merchant_connect_return(shop):
    try:
        payouts.refresh_account(shop)
    except stripe.StripeError:
        flash(_("暂时无法读取收款账户状态，请稍后刷新"), "error")
    return redirect(url_for("payments.merchant_settings"))


@bp.route("/merchant/orders/<int:order_id>/refund", methods=["GET", "POST"])
@merchant_required
def merchant_refund(order_id: int, shop):
    order = merchant_order_or_404(order_id, shop)
    return refund_page(order, "payments.merchant_refund", "orders.merchant_order")


def refund_page(order, endpoint: str, back_endpoint: str):
    """The refund form (merchant and admin): by line quantities or by amount, with a reason."""
    if request.method == "POST":
        form = request.form
        lines = {key.removeprefix("qty-"): value for key, value in form.items()
                 if key.startswith("qty-") and value.strip() not in ("", "0")}
        amount = None
        try:
            if (form.get("amount") or "").strip():
                amount = money.parse_amount(form["amount"], current_app.config["CURRENCY"])
            refund = refunds.refund_order(order, current_user, amount_cents=amount, lines=lines or None,
                                          reason=form.get("reason", ""), restock=form.get("restock") == "y",
                                          idempotency_key=(form.get("idempotency_key") or None))
        except (PaymentError, money.MoneyError) as exc:
            flash(str(exc), "error")
        else:
            if refund.status.value == "failed":
                flash(_("退款失败：%(reason)s", reason=refund.last_error), "error")
            else:
                flash(_("已退款 %(amount)s", amount=money_filter(refund.amount_cents)), "success")
            return redirect(url_for(back_endpoint, order_id=order.id))
    from secrets import token_urlsafe

    return render_template("payments/merchant/refund.html", order=order, endpoint=endpoint,
                           payment=refunds.payment_of(order),
                           refundable=refunds.refundable_cents(order), done=refunds.refunded_quantities(order.id),
                           history=list(db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id)
                                                           .order_by(Refund.id))),
                           key=token_urlsafe(16), back=url_for(back_endpoint, order_id=order.id))


#: Postings of money received for an order: its payment, and a weighed overage paid at handover.
RECEIVED = ("payment", "weighed_charge")


def statement_rows(shop_id: int):
    """Per order of the shop with money booked: paid, commission, refunds, paid out, balance."""
    acc = LedgerEntry.account
    amt = LedgerEntry.amount_cents

    def total(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, amt), else_=0)), 0)

    rows = db.session.execute(
        sa.select(Order, total((acc == Account.PAYABLE) & LedgerEntry.kind.in_(RECEIVED)),
                  total((acc == Account.COMMISSION) & LedgerEntry.kind.in_([*RECEIVED, "refund"])),
                  total(LedgerEntry.kind == "refund") , total((acc == Account.PAYABLE)
                                                              & LedgerEntry.kind.in_(["transfer", "transfer_reversal"])),
                  total(acc == Account.PAYABLE))
        .join(LedgerEntry, LedgerEntry.order_id == Order.id).where(Order.shop_id == shop_id)
        .group_by(Order.id).order_by(Order.id.desc())).all()
    out = []
    for order, share, commission, _refund_sum, paid_out, payable in rows:
        refunded = refunds.refunded_cents(order.id)
        out.append({"order": order, "share": -share, "commission": -commission, "refunded": refunded,
                    "paid_out": paid_out, "balance": -payable})
    return out


@bp.get("/merchant/payments")
@merchant_required
def merchant_balance(shop):
    rows = statement_rows(shop.id)
    pending = sum(r["balance"] for r in rows if r["order"].status not in (OrderStatus.COMPLETED,))
    transfers = list(db.session.scalars(sa.select(Transfer).where(Transfer.shop_id == shop.id)
                                        .order_by(Transfer.id.desc()).limit(50)))
    settlements = list(db.session.scalars(sa.select(Settlement).where(Settlement.shop_id == shop.id)
                                          .order_by(Settlement.id.desc()).limit(50)))
    return render_template("payments/merchant/balance.html", shop=shop, rows=rows, balance=ledger.shop_balance(shop.id),
                           pending=pending, transfers=transfers, settlements=settlements,
                           paid_out=sum(t.amount_cents - t.reversed_cents for t in transfers if t.status.value == "paid")
                           + sum(s.amount_cents for s in settlements),
                           settings=payouts.settings_for(shop.id))


@bp.get("/merchant/payments/statement.csv")
@merchant_required
def merchant_statement(shop):
    """The shop's statement as CSV (every cell through marketplace.exports: formulas neutralised)."""
    plain = money.to_major  # numbers, not text: a negative balance is -13.56, not '-13.56
    rows = ((r["order"].number, status_label(r["order"].status), plain(r["order"].total_cents), plain(r["share"]),
             plain(r["commission"]), plain(r["refunded"]), plain(r["paid_out"]), plain(r["balance"]))
            for r in statement_rows(shop.id))
    return csv_response(f"statement-{shop.slug}-{dt.date.today():%Y%m%d}.csv",
                        [_("订单号"), _("状态"), _("订单金额"), _("应得"), _("佣金"), _("退款"), _("已转账"), _("余额")],
                        rows)
