"""Payments: how shops accept money, payments (Stripe per order group, offline per order), refunds,
webhook events, the double-entry ledger, Connect transfers, manual settlements, disputes.

Money is integer minor units (``_cents``). Ledger amounts are signed: a debit is positive, a credit
negative; the entries of one transaction (``txn``) sum to zero, hence so do an order group's.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.shops.models import Shop
from orders.models import Order, OrderGroup
from orders.terms_models import Statement


class ShopPaymentSettings(Base):
    """Which offline methods a shop accepts, its bank account, commission and Connect account."""

    __tablename__ = "shop_payment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    accepts_bank_transfer: Mapped[bool] = mapped_column(default=False)
    accepts_cash: Mapped[bool] = mapped_column(default=True)
    bank_name: Mapped[str] = mapped_column(sa.String(80), default="")
    account_name: Mapped[str] = mapped_column(sa.String(80), default="")
    account_number: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The shop's own commission rate set by the admin (None: category or platform rate).
    commission_bps: Mapped[int | None]
    #: Stripe Connect Express account (acct_...) and what Stripe last said about it.
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship()


class CategoryCommission(Base):
    """A commission rate for products of one category (admin-set)."""

    __tablename__ = "category_commissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"), unique=True)
    commission_bps: Mapped[int]


class PaymentMethod(enum.StrEnum):
    STRIPE = "stripe"
    WECHAT_PAY = "wechat_pay"  # WeChat Pay API v3 (Native QR, JSAPI)
    ALIPAY = "alipay"  # Alipay open platform (page, QR)
    BANK_TRANSFER = "bank_transfer"  # 对公转账, with a remittance slip the merchant checks
    CASH = "cash"  # 货到付款 / 到店自提付款: paid at handover, after the merchant accepted and shipped


#: Methods settled by the merchant's own confirmation, one payment per order.
OFFLINE_METHODS = frozenset({PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH})
#: Offline methods paid at handover: the merchant accepts and ships before the money arrives.
HANDOVER_METHODS = frozenset({PaymentMethod.CASH})


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # created, waiting for the buyer (or for the merchant's confirmation)
    PROCESSING = "processing"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class Payment(Base):
    """An online payment of an order group (a Stripe PaymentIntent, a WeChat Pay or Alipay trade whose
    out_trade_no is ``idempotency_key``), an offline payment of one order, or an online payment of a
    monthly statement (``statement_id``; no group)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order_groups.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statements.id"), index=True)
    #: Offline payments are per order (each shop is paid directly); Stripe ones cover the group.
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod))
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus), default=PaymentStatus.PENDING)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    #: The key sent with the create call; unique so a twin request finds the first one's row.
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: Stripe's PaymentIntent id (pi_...); WeChat Pay's transaction_id, Alipay's trade_no once paid.
    provider_ref: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    #: Bank transfer reference the buyer writes on his transfer.
    reference_code: Mapped[str | None] = mapped_column(sa.String(32))
    #: What the buyer opens to pay online: WeChat Pay's code_url (shown as a QR code), Alipay's page.
    checkout_url: Mapped[str | None] = mapped_column(sa.String(1000))
    #: The buyer's remittance slip of a bank transfer (a private media key: image or PDF).
    slip_key: Mapped[str | None] = mapped_column(sa.String(200))
    slip_uploaded_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Shown to the admin: paid for an expired group (refunded), amount mismatch, outside refund.
    attention: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    succeeded_at: Mapped[dt.datetime | None]

    group: Mapped[OrderGroup | None] = relationship()
    order: Mapped[Order | None] = relationship()
    statement: Mapped[Statement | None] = relationship()


class RefundStatus(enum.StrEnum):
    PENDING = "pending"  # recorded, not yet accepted by Stripe
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    #: None for the automatic refund of a payment whose group had expired.
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    amount_cents: Mapped[int]
    #: The commission given back with it (part of amount_cents).
    commission_cents: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus), default=RefundStatus.PENDING)
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    provider_ref: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    restock: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]

    payment: Mapped[Payment] = relationship()
    order: Mapped[Order | None] = relationship()
    lines: Mapped[list[RefundLine]] = relationship(back_populates="refund", cascade="all, delete-orphan")


class RefundLine(Base):
    __tablename__ = "refund_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int]
    amount_cents: Mapped[int]

    refund: Mapped[Refund] = relationship(back_populates="lines")


class WebhookEvent(Base):
    """Each Stripe event handled once: the unique id makes a replay (serial or concurrent) a no-op."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[str] = mapped_column(sa.String(80), default="")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"  # retried by ``payments payouts`` / reconcile


class Transfer(Base):
    """A Connect transfer of one completed order's share to its shop's connected account."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), unique=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    amount_cents: Mapped[int]
    reversed_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus), default=TransferStatus.PENDING)
    provider_ref: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[dt.datetime | None]

    order: Mapped[Order] = relationship()
    shop: Mapped[Shop] = relationship()


class TransferReversal(Base):
    __tablename__ = "transfer_reversals"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id"), index=True)
    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("refunds.id"), unique=True)
    amount_cents: Mapped[int]
    provider_ref: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus), default=TransferStatus.PENDING)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    transfer: Mapped[Transfer] = relationship()


class Settlement(Base):
    """A manual settlement the admin records for a shop without Connect (positive: paid to the
    shop; negative: the shop paid the platform, e.g. commission on offline sales)."""

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    amount_cents: Mapped[int]
    reference: Mapped[str] = mapped_column(sa.String(120), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    shop: Mapped[Shop] = relationship()


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_ref: Mapped[str] = mapped_column(sa.String(80), unique=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    payment: Mapped[Payment | None] = relationship()



class _StatusChange:
    """The columns every money status history shares (see payments.status)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PaymentStatusChange(_StatusChange, Base):
    """One move of a payment's status: who, when, from what to what, and why (Stripe's message)."""

    __tablename__ = "payment_status_changes"

    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[PaymentStatus | None] = mapped_column(_enum(PaymentStatus))
    to_status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus))


class RefundStatusChange(_StatusChange, Base):
    __tablename__ = "refund_status_changes"

    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[RefundStatus | None] = mapped_column(_enum(RefundStatus))
    to_status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus))


class TransferStatusChange(_StatusChange, Base):
    __tablename__ = "transfer_status_changes"

    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("transfers.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[TransferStatus | None] = mapped_column(_enum(TransferStatus))
    to_status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus))


class Account(enum.StrEnum):
    """Ledger accounts. Per-shop accounts carry the shop in ``shop_id``."""

    GATEWAY = "gateway"  # the platform's Stripe balance
    MERCHANT_CASH = "merchant_cash"  # money a shop took directly (offline)
    PAYABLE = "payable"  # what the platform owes a shop (credit) or is owed by it (debit)
    COMMISSION = "commission"  # platform revenue
    FEES = "fees"  # Stripe's fees
    SUSPENSE = "suspense"  # money received for nothing left to sell (refunded)
    BANK = "bank"  # the platform's bank account (manual settlements)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (sa.Index("ix_ledger_shop_account", "shop_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One posting: its entries sum to zero.
    txn: Mapped[str] = mapped_column(sa.String(40), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    account: Mapped[Account] = mapped_column(_enum(Account))
    #: Debit positive, credit negative.
    amount_cents: Mapped[int]
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order_groups.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shops.id"))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"))
    refund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refunds.id"))
    transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    settlement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("settlements.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
