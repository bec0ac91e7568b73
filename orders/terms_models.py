"""Trade terms between a shop and its buyers: weighed settlement (多退少补), invoices (发票), business
profiles and credit terms (账期 / 月结) with monthly statements.

Money is integer minor units; weights are grams. Statements and invoices move through state machines
(orders.invoices, payments.credit).
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.shops.models import Shop
from orders.models import Order, OrderLine


class ShopTerms(Base):
    """A shop's trade terms: the weighing tolerance its buyers accept at checkout, the after-sales window."""

    __tablename__ = "shop_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    #: ± tolerance of weighed lines in basis points (500 = ±5 %); 0: lines by weight are not re-weighed.
    weigh_tolerance_bp: Mapped[int] = mapped_column(default=500)
    #: An overage within the tolerance is charged (多退少补); off: the buyer pays at most the order.
    charge_overweight: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Days after delivery in which a buyer may ask for after-sales (aftersales; None: the site's default).
    after_sales_days: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LineWeighing(Base):
    """The weight recorded at handover for a line sold by weight, and what it settled."""

    __tablename__ = "line_weighings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One weighing per line: a second submit finds this row.
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    ordered_grams: Mapped[int]
    actual_grams: Mapped[int]
    tolerance_bp: Mapped[int]
    #: Price of the difference (negative: the buyer is owed money back).
    difference_cents: Mapped[int]
    #: What was refunded (shortfall) through payments.refunds, taken off a payment at handover, or
    #: off a credit statement.
    refunded_cents: Mapped[int] = mapped_column(default=0)
    #: What the buyer owes for an overage (0: none, or the line's terms do not charge one) ...
    charged_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    #: ... and how it is paid: CHARGE_VIA (payments.weighed)
    charge_via: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    #: when the overage was booked (paid): None while it is owed
    charge_settled_at: Mapped[dt.datetime | None]
    #: Whole units put back into (positive) or taken from (negative) stock.
    stock_delta: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    line: Mapped[OrderLine] = relationship()


# --- invoices ----------------------------------------------------------------------------------------

class TitleKind(enum.StrEnum):
    COMPANY = "company"
    PERSONAL = "personal"


class InvoiceTitle(Base):
    """A buyer's saved invoice title (发票抬头)."""

    __tablename__ = "invoice_titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TitleKind] = mapped_column(_enum(TitleKind, 10))
    name: Mapped[str] = mapped_column(sa.String(100))
    #: 统一社会信用代码 (18 characters, check digit validated); empty for a personal title.
    tax_id: Mapped[str] = mapped_column(sa.String(18), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InvoiceStatus(enum.StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    CANCELLED = "cancelled"


class Invoice(Base):
    """An invoice requested on one order; the title is a snapshot, the PDF a private media object."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus), default=InvoiceStatus.REQUESTED)
    title_kind: Mapped[TitleKind] = mapped_column(_enum(TitleKind, 10))
    title_name: Mapped[str] = mapped_column(sa.String(100))
    tax_id: Mapped[str] = mapped_column(sa.String(18), default="")
    amount_cents: Mapped[int]
    #: The e-invoice number (发票号码) and date the merchant issued.
    number: Mapped[str | None] = mapped_column(sa.String(30))
    issued_on: Mapped[dt.date | None]
    pdf_key: Mapped[str | None] = mapped_column(sa.String(200))
    pdf_bytes: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    order: Mapped[Order] = relationship()
    shop: Mapped[Shop] = relationship()


# --- credit terms ------------------------------------------------------------------------------------

class BusinessProfile(Base):
    """A buyer account's company: what a shop looks at before granting credit."""

    __tablename__ = "business_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    company_name: Mapped[str] = mapped_column(sa.String(100))
    tax_id: Mapped[str] = mapped_column(sa.String(18))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class CreditLine(Base):
    """Credit a shop grants one business buyer: a limit and a payment term after the statement."""

    __tablename__ = "credit_lines"
    __table_args__ = (sa.UniqueConstraint("shop_id", "buyer_id"),
                      sa.CheckConstraint("limit_cents >= 0", name="limit_not_negative"),
                      sa.CheckConstraint("term_days >= 0", name="term_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    limit_cents: Mapped[int]
    #: Days after a statement is issued until it is due.
    term_days: Mapped[int] = mapped_column(default=30)
    active: Mapped[bool] = mapped_column(default=True)
    #: The company the shop approved (snapshot of the buyer's business profile at approval).
    company_name: Mapped[str] = mapped_column(sa.String(100))
    tax_id: Mapped[str] = mapped_column(sa.String(18))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship()
    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id])


class StatementStatus(enum.StrEnum):
    OPEN = "open"
    ISSUED = "issued"
    OVERDUE = "overdue"
    PAID = "paid"


class Statement(Base):
    """One shop's monthly statement (月结单) for one buyer: the orders bought on credit that month."""

    __tablename__ = "statements"
    __table_args__ = (sa.UniqueConstraint("shop_id", "buyer_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The month, "2026-11".
    period: Mapped[str] = mapped_column(sa.String(7))
    status: Mapped[StatementStatus] = mapped_column(_enum(StatementStatus), default=StatementStatus.OPEN)
    total_cents: Mapped[int] = mapped_column(default=0)
    #: Bank transfer reference the buyer writes on his payment.
    reference_code: Mapped[str] = mapped_column(sa.String(32), default="")
    due_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[dt.datetime | None]
    overdue_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]

    shop: Mapped[Shop] = relationship()
    buyer: Mapped[User] = relationship()
    charges: Mapped[list[CreditCharge]] = relationship(back_populates="statement", order_by="CreditCharge.id")


class CreditCharge(Base):
    """An order bought on credit: it waits on its month's statement for the money."""

    __tablename__ = "credit_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    credit_line_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_lines.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statements.id", ondelete="SET NULL"), index=True)
    amount_cents: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    statement: Mapped[Statement | None] = relationship(back_populates="charges")
