"""The double-entry ledger: every movement of money as postings whose entries sum to zero.

Postings (debit +, credit -; per order unless said otherwise):
  Stripe payment          gateway +t | payable(shop) -(t-c) | commission -c
  offline payment         merchant_cash +t | payable -(t-c) | commission -c, then the shop keeps
                          the cash: payable +t | merchant_cash -t  (the shop owes the commission)
  refund (Stripe)         payable +(r-cr) | commission +cr | gateway -r
  refund (offline)        commission +cr | payable -cr  (the shop repaid the buyer itself)
  transfer to shop        payable +x | gateway -x      reversal: gateway +x | payable -x
  payment for an expired group (per group): gateway +a | suspense -a; its refund: the reverse
  manual settlement (per shop): payable +x | bank -x
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app

from catalog.models import Product
from marketplace import money
from marketplace.extensions import db
from orders.models import Order, OrderLine
from payments.models import (
    Account,
    CategoryCommission,
    LedgerEntry,
    Payment,
    PaymentStatus,
    ShopPaymentSettings,
)


class LedgerError(RuntimeError):
    """A posting that does not balance: a programming error, never user input, so not a DomainError
    (it reaches the 500 handler and rolls the whole verb back)."""


def post(kind: str, entries: list[tuple[Account, int, int | None]], **refs) -> str:
    """Add one balanced posting: ``entries`` are (account, signed amount, shop_id). In the caller's transaction."""
    if sum(amount for _a, amount, _s in entries) != 0:
        raise LedgerError(f"unbalanced posting {kind}: {entries}")
    txn = uuid.uuid4().hex
    db.session.add_all([LedgerEntry(txn=txn, kind=kind, account=account, amount_cents=amount, shop_id=shop_id,
                                    **refs) for account, amount, shop_id in entries if amount])
    return txn


def commission_for(order: Order) -> int:
    """The platform's commission on an order: the shop's rate if the admin set one, else each
    line's category rate, else PLATFORM_COMMISSION_BPS; the delivery fee at the shop's/default rate."""
    default = current_app.config["PLATFORM_COMMISSION_BPS"]
    shop_rate = db.session.scalar(sa.select(ShopPaymentSettings.commission_bps)
                                  .where(ShopPaymentSettings.shop_id == order.shop_id))
    if shop_rate is not None:
        return money.percent_of(order.total_cents, shop_rate)
    rates = dict(db.session.execute(
        sa.select(OrderLine.id, CategoryCommission.commission_bps)
        .join(Product, Product.id == OrderLine.product_id)
        .join(CategoryCommission, CategoryCommission.category_id == Product.category_id)
        .where(OrderLine.order_id == order.id)).all())
    total = sum(money.percent_of(line.line_total_cents, rates.get(line.id, default)) for line in order.lines)
    return total + money.percent_of(order.fee_cents, default)


def post_order_payment(order: Order, payment, *, offline: bool) -> int:
    """Book the payment of one order; returns the commission."""
    return _post_received(order, payment, "payment", order.total_cents, commission_for(order), offline)


def post_weighed_charge(order: Order, payment, amount: int, *, offline: bool = True) -> int:
    """Book what a buyer paid for a weighed overage (多退少补), received by the shop itself (or
    online, with a statement): the commission on it at the order's own rate. Returns the commission."""
    c = money.prorate(commission_for(order), amount, order.total_cents) if order.total_cents else 0
    return _post_received(order, payment, "weighed_charge", amount, c, offline)


def _post_received(order: Order, payment, kind: str, t: int, c: int, offline: bool) -> int:
    refs = {"group_id": order.group_id, "order_id": order.id, "payment_id": payment.id}
    first = Account.MERCHANT_CASH if offline else Account.GATEWAY
    post(kind, [(first, t, order.shop_id if offline else None), (Account.PAYABLE, -(t - c), order.shop_id),
                (Account.COMMISSION, -c, None)], **refs)
    if offline:
        post("kept_by_shop", [(Account.PAYABLE, t, order.shop_id), (Account.MERCHANT_CASH, -t, order.shop_id)], **refs)
    return c


def payment_of(order: Order) -> Payment | None:
    """The succeeded payment that paid this order (its own offline one, or the group's online one
    that covered it): the one its "payment" posting names — a group's online payment need not cover
    every order of the group (others are paid at handover or by transfer)."""
    return db.session.scalar(
        sa.select(Payment).join(LedgerEntry, LedgerEntry.payment_id == Payment.id)
        .where(Payment.status == PaymentStatus.SUCCEEDED, LedgerEntry.order_id == order.id,
               LedgerEntry.kind == "payment")
        .order_by(Payment.id.desc()).limit(1))


def commission_booked(order_id: int) -> tuple[int, int]:
    """(commission charged, commission given back) on an order so far."""
    rows = db.session.execute(sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount_cents))
                              .where(LedgerEntry.order_id == order_id, LedgerEntry.account == Account.COMMISSION)
                              .group_by(LedgerEntry.kind)).all()
    charged = -sum(v for k, v in rows if k == "payment")
    returned = sum(v for k, v in rows if k == "refund")
    return charged, returned


def payable_for_order(order_id: int) -> int:
    """What the platform owes the shop for this order now (negative: the shop owes)."""
    return -(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0))
                               .where(LedgerEntry.order_id == order_id, LedgerEntry.account == Account.PAYABLE)) or 0)


def shop_balance(shop_id: int) -> int:
    """What the platform owes the shop over everything (negative: the shop owes the platform)."""
    return -(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0))
                               .where(LedgerEntry.shop_id == shop_id, LedgerEntry.account == Account.PAYABLE)) or 0)


def group_sums() -> dict[int | None, int]:
    """Sum of entries per order group (every value must be 0); key None: postings of no group."""
    return dict(db.session.execute(sa.select(LedgerEntry.group_id, sa.func.sum(LedgerEntry.amount_cents))
                                   .group_by(LedgerEntry.group_id)).all())
