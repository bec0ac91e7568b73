"""Merchant payouts: Stripe Connect ("separate charges and transfers") with Express accounts, and
manual settlements for shops without Connect. Transfers are booked against the shop's payable."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.shops.policy import ensure_not_suspended
from marketplace.states import InvalidTransition
from orders.models import Order
from payments import ledger, stripe_api
from payments.errors import PaymentError
from payments.models import (
    Account,
    CategoryCommission,
    PaymentMethod,
    Refund,
    Settlement,
    ShopPaymentSettings,
    Transfer,
    TransferReversal,
    TransferStatus,
)
from payments.status import REVERSAL_MACHINE, TRANSFER_MACHINE
from payments.stripe_api import stripe


def settings_for(shop_id: int, create: bool = False) -> ShopPaymentSettings | None:
    row = db.session.scalar(sa.select(ShopPaymentSettings).where(ShopPaymentSettings.shop_id == shop_id))
    if row is None and create:
        row = ShopPaymentSettings(shop_id=shop_id)
        db.session.add(row)
        db.session.flush()
    return row


def save_settings(shop, form) -> ShopPaymentSettings:
    """The shop's offline methods and bank account from its settings form. One transaction.
    Refused while the shop is suspended (buyers of its open orders would read a new account)."""
    ensure_not_suspended(shop)
    fields = {"bank_name": 80, "account_name": 80, "account_number": 40}
    values = {k: (form.get(k) or "").strip() for k in fields}
    bank = form.get("accepts_bank_transfer") == "y"
    if any(len(values[k]) > limit for k, limit in fields.items()):
        raise PaymentError(_("填写的内容过长"))
    if bank and not (values["bank_name"] and values["account_name"] and values["account_number"]):
        raise PaymentError(_("接受银行转账需要填写开户银行、户名和账号"))
    with atomic():
        settings = settings_for(shop.id, create=True)
        for key, value in values.items():
            setattr(settings, key, value)
        settings.accepts_bank_transfer = bank
        settings.accepts_cash = form.get("accepts_cash") == "y"
    return settings


def set_commission(bps: int | None, *, shop=None, category=None) -> None:
    """A shop's or a category's own commission rate in basis points (None: back to the default)."""
    if bps is not None and not 0 <= bps <= 10_000:
        raise PaymentError(_("佣金比例不能超过 100%"))
    with atomic():
        if shop is not None:
            settings_for(shop.id, create=True).commission_bps = bps
            return
        row = db.session.scalar(sa.select(CategoryCommission).where(CategoryCommission.category_id == category.id))
        if bps is None and row is not None:
            db.session.delete(row)
        elif bps is not None:
            row = row or CategoryCommission(category_id=category.id, commission_bps=bps)
            row.commission_bps = bps
            db.session.add(row)


# --- onboarding --------------------------------------------------------------------------------------

def onboarding_link(shop, email: str, refresh_url: str, return_url: str) -> str:
    """Create the shop's Express account once, then an Account Link to Stripe's onboarding
    (not for a suspended shop)."""
    ensure_not_suspended(shop)
    if not stripe_api.enabled():
        raise PaymentError(_("在线支付未开通"), status=409, code="stripe_off")
    with atomic():
        settings = settings_for(shop.id, create=True)
    client = stripe_api.connect_client()
    if not settings.stripe_account_id:
        # Stripe outside any transaction; the idempotency key makes a repeat after a crash one account.
        account = client.v1.accounts.create(params={
            "type": "express", **({"email": email} if email else {}), "capabilities": {"transfers": {"requested": True}},
            "metadata": {"shop": str(shop.id)}}, options={"idempotency_key": f"acct-shop{shop.id}"})
        with atomic():
            settings.stripe_account_id = account.id
    link = client.v1.account_links.create(params={
        "account": settings.stripe_account_id, "refresh_url": refresh_url, "return_url": return_url,
        "type": "account_onboarding"})
    return link.url


def apply_account(account) -> ShopPaymentSettings | None:
    """Store what Stripe says about a connected account (account.updated, or after onboarding)."""
    settings = db.session.scalar(sa.select(ShopPaymentSettings)
                                 .where(ShopPaymentSettings.stripe_account_id == account.id))
    if settings is None:
        return None
    settings.details_submitted = bool(getattr(account, "details_submitted", False))
    settings.payouts_enabled = bool(getattr(account, "payouts_enabled", False))
    return settings


def refresh_account(shop) -> ShopPaymentSettings | None:
    settings = settings_for(shop.id)
    if settings is None or not settings.stripe_account_id:
        return settings
    account = stripe_api.connect_client().v1.accounts.retrieve(settings.stripe_account_id)
    with atomic():
        apply_account(account)
    return settings


# --- transfers ---------------------------------------------------------------------------------------

#: What may keep a completed order's transfer back for now: functions of an order id that answer a
#: reason (text for the admin) or None, added by the domains above payments (after-sales: an open
#: request on the order, whose refund the shop's share must still cover). A held transfer stays
#: pending with the reason, and the reconcile job's retry sends it once nothing holds it.
PAYOUT_HOLDS: list[Callable[[int], str | None]] = []


def payout_hold(order_id: int) -> str | None:
    for hold in PAYOUT_HOLDS:
        reason = hold(order_id)
        if reason:
            return str(reason)
    return None


def transfer_for_completed(order: Order) -> Transfer | None:
    """When an order completes: a transfer of its share to a connected shop (caller's transaction).
    Only for orders paid through Stripe; offline money is already with the shop."""
    settings = settings_for(order.shop_id)
    if settings is None or not settings.stripe_account_id or not settings.payouts_enabled:
        return None
    paid = ledger.payment_of(order)  # the group's intent may not have covered this order (paid at handover)
    if paid is None or paid.method != PaymentMethod.STRIPE:
        return None
    if db.session.scalar(sa.select(Transfer).where(Transfer.order_id == order.id)) is not None:
        return None
    transfer = Transfer(order_id=order.id, shop_id=order.shop_id, amount_cents=0)
    db.session.add(transfer)
    db.session.flush()
    return transfer


def execute_transfer(transfer: Transfer) -> Transfer:
    """Send a pending or failed transfer: the amount is what the shop is owed for the order now.
    A refusal (insufficient funds) leaves it failed, retried later with a new key; a network error
    keeps the same key, so Stripe never makes two. The transfer row (created with the order's
    completion) is the intent; Stripe is called outside any transaction and its answer recorded in
    one block."""
    if transfer.status == TransferStatus.PAID:
        return transfer
    held = payout_hold(transfer.order_id)
    if held:
        if transfer.last_error != held:
            with atomic():
                transfer.last_error = held
        return transfer
    settings = settings_for(transfer.shop_id)
    amount = ledger.payable_for_order(transfer.order_id)
    if amount <= 0 or settings is None or not settings.stripe_account_id:
        error = _("没有可转账的金额或店铺未开通收款账户")
        if transfer.status == TransferStatus.FAILED and transfer.last_error == error:
            return transfer  # the same refusal again: no history row every reconcile run
        with atomic():
            _move(TRANSFER_MACHINE, transfer, TransferStatus.FAILED, note=error, last_error=error)
        return transfer
    order = transfer.order
    try:
        result = stripe_api.connect_client().v1.transfers.create(params={
            "amount": amount, "currency": stripe_currency(), "destination": settings.stripe_account_id,
            "transfer_group": f"group_{order.group_id}",
            "metadata": {"order": str(order.id), "shop": str(order.shop_id)}},
            options={"idempotency_key": f"transfer-{transfer.id}-try{transfer.attempts}"})
    except stripe.StripeError as exc:
        refused = bool(getattr(exc, "http_status", None) and 400 <= exc.http_status < 500)
        error = str(exc.user_message or exc)[:300]
        # A definite refusal: the next try is a new request (a new idempotency key).
        with atomic():
            _move(TRANSFER_MACHINE, transfer, TransferStatus.FAILED, note=error, last_error=error,
                  attempts=transfer.attempts + refused)
        return transfer
    with atomic():
        if _move(TRANSFER_MACHINE, transfer, TransferStatus.PAID, note=result.id, provider_ref=result.id,
                 amount_cents=amount, last_error=""):
            ledger.post("transfer", [(Account.PAYABLE, amount, order.shop_id), (Account.GATEWAY, -amount, None)],
                        group_id=order.group_id, order_id=order.id, transfer_id=transfer.id)
    return transfer


def _move(machine, row, target, **fields) -> bool:
    """Record Stripe's answer; False when a concurrent caller recorded one first (nothing changed)."""
    try:
        machine.move(row, target, **fields)
    except InvalidTransition:
        return False
    return True


def stripe_currency() -> str:
    return stripe_api.currency()


def reverse_for_refund(refund: Refund) -> TransferReversal | None:
    """A refund after the order's transfer takes the shop's share of it back: the reversal row is
    committed first, then sent (execute_reversal)."""
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.order_id == refund.order_id,
                                                           Transfer.status == TransferStatus.PAID))
    if transfer is None:
        return None
    amount = min(refund.amount_cents - refund.commission_cents, transfer.amount_cents - transfer.reversed_cents)
    if amount <= 0:
        return None
    reversal = db.session.scalar(sa.select(TransferReversal).where(TransferReversal.refund_id == refund.id))
    if reversal is None:
        with atomic():
            reversal = TransferReversal(transfer_id=transfer.id, refund_id=refund.id, amount_cents=amount)
            db.session.add(reversal)
    return execute_reversal(reversal)


def execute_reversal(reversal: TransferReversal) -> TransferReversal:
    """Send a reversal outside any transaction; record the answer (and book it) in one block."""
    if reversal.status == TransferStatus.PAID:
        return reversal
    transfer = reversal.transfer
    try:
        result = stripe_api.connect_client().v1.transfers.reversals.create(
            transfer.provider_ref, params={"amount": reversal.amount_cents,
                                           "metadata": {"refund": str(reversal.refund_id)}},
            options={"idempotency_key": f"reversal-r{reversal.refund_id}"})
    except stripe.StripeError as exc:
        with atomic():
            _move(REVERSAL_MACHINE, reversal, TransferStatus.FAILED, last_error=str(exc)[:300])
        return reversal
    with atomic():
        _reversed(reversal, transfer, result.id)
    return reversal


def _reversed(reversal: TransferReversal, transfer: Transfer, ref: str) -> None:
    if _move(REVERSAL_MACHINE, reversal, TransferStatus.PAID, provider_ref=ref, last_error=""):
        db.session.execute(sa.update(Transfer).where(Transfer.id == transfer.id)
                           .values(reversed_cents=Transfer.reversed_cents + reversal.amount_cents)
                           .execution_options(synchronize_session=False))
        order = transfer.order
        ledger.post("transfer_reversal", [(Account.GATEWAY, reversal.amount_cents, None),
                                          (Account.PAYABLE, -reversal.amount_cents, order.shop_id)],
                    group_id=order.group_id, order_id=order.id, transfer_id=transfer.id, refund_id=reversal.refund_id)


def retry_payouts() -> tuple[int, int]:
    """Send every pending or failed transfer and reversal again. Returns (sent, still failing)."""
    sent = failing = 0
    for transfer in db.session.scalars(sa.select(Transfer).where(Transfer.status != TransferStatus.PAID)
                                       .order_by(Transfer.id)).all():
        ok = execute_transfer(transfer).status == TransferStatus.PAID
        sent, failing = sent + ok, failing + (not ok)
    for reversal in db.session.scalars(sa.select(TransferReversal).where(
            TransferReversal.status != TransferStatus.PAID).order_by(TransferReversal.id)).all():
        ok = execute_reversal(reversal).status == TransferStatus.PAID
        sent, failing = sent + ok, failing + (not ok)
    return sent, failing


# --- manual settlements ------------------------------------------------------------------------------

def record_settlement(shop, amount_cents: int, reference: str, actor) -> Settlement:
    """The admin paid a shop without Connect by hand (positive), or the shop paid the platform
    (negative, e.g. commission on offline sales). One transaction."""
    if not isinstance(amount_cents, int) or amount_cents == 0:
        raise PaymentError(_("结算金额不能为 0"))
    reference = (reference or "").strip()
    if not reference:
        raise PaymentError(_("请填写转账凭证号或说明"))
    with atomic():
        settlement = Settlement(shop_id=shop.id, amount_cents=amount_cents, reference=reference[:120],
                                actor_id=getattr(actor, "id", None))
        db.session.add(settlement)
        db.session.flush()
        ledger.post("settlement", [(Account.PAYABLE, amount_cents, shop.id), (Account.BANK, -amount_cents, None)],
                    settlement_id=settlement.id)
    return settlement
