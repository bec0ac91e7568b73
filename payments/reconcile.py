"""Repair what a lost webhook or notification, a crash or a failed call left behind: re-read every
unsettled PaymentIntent from Stripe and every open WeChat Pay / Alipay trade and settle it, send
pending refunds, retry transfers and reversals."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.extensions import db
from payments import stripe_api
from payments.models import Payment, PaymentMethod, PaymentStatus
from payments.stripe_api import stripe

log = logging.getLogger(__name__)


@dataclass
class Report:
    checked: int = 0
    settled: int = 0
    refunds: int = 0
    payouts: int = 0
    payouts_failing: int = 0
    errors: int = 0


def _online_trades(report: Report) -> None:
    """WeChat Pay and Alipay trades still open here: ask the provider and settle (lost notifications)."""
    from payments import alipay, online, wechatpay

    for payment_id in online.open_trades():
        payment = db.session.get(Payment, payment_id)
        if not online.gateways.get(payment.method.value).configured():
            continue
        report.checked += 1
        try:
            if online.refresh(payment) == "paid":
                report.settled += 1
        except (wechatpay.WeChatPayError, alipay.AlipayError):
            report.errors += 1
            log.warning("reconcile: trade %s could not be read", payment.idempotency_key)


def reconcile() -> Report:
    from payments.payouts import retry_payouts
    from payments.refunds import execute_refund, pending_refunds
    from payments.services import retrieve_intent, settle

    report = Report()
    _online_trades(report)
    if not stripe_api.enabled():
        for refund in pending_refunds():
            if execute_refund(refund).status.value == "succeeded":
                report.refunds += 1
        return report
    open_ids = list(db.session.scalars(sa.select(Payment.id).where(
        Payment.method == PaymentMethod.STRIPE, Payment.provider_ref.is_not(None),
        Payment.status.not_in([PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED])).order_by(Payment.id)))
    for payment_id in open_ids:
        payment = db.session.get(Payment, payment_id)
        report.checked += 1
        try:
            if settle(payment, retrieve_intent(payment)) == "succeeded":
                report.settled += 1
        except stripe.StripeError:
            report.errors += 1
            log.exception("reconcile: intent %s", payment.provider_ref)
    for refund in pending_refunds():
        if execute_refund(refund).status.value == "succeeded":
            report.refunds += 1
    report.payouts, report.payouts_failing = retry_payouts()
    return report
