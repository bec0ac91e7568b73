"""After-sales requests (售后): a buyer asks for a refund (仅退款) or a return (退货退款) on lines of a
paid order; the shop approves or refuses; the platform arbitrates a dispute. Money always moves
through payments.refunds, so a request never refunds more than was paid and stock is restocked once.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from orders.models import Order, OrderLine


class AfterSaleKind(enum.StrEnum):
    REFUND = "refund"  #: 仅退款: the buyer keeps the goods (short weight, spoiled, not received)
    RETURN = "return"  #: 退货退款: the goods go back to the shop, then the money


class AfterSaleReason(enum.StrEnum):
    QUALITY = "quality"
    SHORT_WEIGHT = "short_weight"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    NOT_RECEIVED = "not_received"
    OTHER = "other"


class AfterSaleStatus(enum.StrEnum):
    REQUESTED = "requested"              #: waiting for the shop
    AWAITING_RETURN = "awaiting_return"  #: return approved: the buyer sends the goods back
    RETURNED = "returned"                #: the buyer sent them: the shop confirms receipt
    REFUNDED = "refunded"                #: the money went back (ends the request)
    REFUSED = "refused"                  #: the shop said no: the buyer may ask the platform
    DISPUTED = "disputed"                #: the platform arbitrates
    CLOSED = "closed"                    #: ended without a refund (arbitration for the shop)
    WITHDRAWN = "withdrawn"              #: the buyer withdrew it


class ReturnShipping(enum.StrEnum):
    SHOP = "shop"    #: the shop pays the return shipping (its fault)
    BUYER = "buyer"  #: the buyer pays it
    NONE = "none"    #: brought back in person (a market stall)


class AfterSale(Base):
    __tablename__ = "after_sales"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    #: The order's shop (denormalised: the shop's list of requests is one indexed read).
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[AfterSaleKind] = mapped_column(_enum(AfterSaleKind, 10))
    reason: Mapped[AfterSaleReason] = mapped_column(_enum(AfterSaleReason))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    #: What the buyer asks back (at most the lines' value and what is still refundable).
    amount_cents: Mapped[int]
    status: Mapped[AfterSaleStatus] = mapped_column(_enum(AfterSaleStatus), default=AfterSaleStatus.REQUESTED,
                                                    index=True)
    #: The shop's refusal reason, or its note with an approval (where to send the goods back).
    shop_note: Mapped[str] = mapped_column(sa.String(300), default="")
    return_shipping: Mapped[ReturnShipping | None] = mapped_column(_enum(ReturnShipping, 10))
    return_address: Mapped[str] = mapped_column(sa.String(300), default="")
    return_carrier: Mapped[str] = mapped_column(sa.String(60), default="")
    return_tracking: Mapped[str] = mapped_column(sa.String(60), default="")
    #: The buyer's statement when he asks the platform to step in.
    dispute_note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The platform's decision, shown to both sides.
    ruling_note: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The refund that settled it (payments.refunds.Refund.id) ...
    refund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refunds.id", ondelete="SET NULL"))
    #: ... or, on an order bought on credit whose statement is not paid yet, what was taken off the
    #: statement instead (no money moved) ...
    credited_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    #: ... and whether its units went back in stock then (a refund records its own restock).
    credit_restocked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[dt.datetime | None]

    order: Mapped[Order] = relationship()
    buyer: Mapped[User] = relationship()
    lines: Mapped[list[AfterSaleLine]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                      order_by="AfterSaleLine.id")
    photos: Mapped[list[AfterSalePhoto]] = relationship(cascade="all, delete-orphan", order_by="AfterSalePhoto.id")
    history: Mapped[list[AfterSaleChange]] = relationship(cascade="all, delete-orphan",
                                                          order_by="AfterSaleChange.id")


class AfterSaleLine(Base):
    __tablename__ = "after_sale_lines"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    after_sale_id: Mapped[int] = mapped_column(sa.ForeignKey("after_sales.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id"))
    quantity: Mapped[int]

    request: Mapped[AfterSale] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()


class AfterSalePhoto(Base):
    """A photo of the goods (re-encoded, stored privately: the buyer, the shop and admins see it)."""

    __tablename__ = "after_sale_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    after_sale_id: Mapped[int] = mapped_column(sa.ForeignKey("after_sales.id", ondelete="CASCADE"), index=True)
    #: Storage key of the re-encoded image (largest side 1600 px).
    key: Mapped[str] = mapped_column(sa.String(200))
    #: Storage key of its thumbnail.
    thumb_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AfterSaleChange(Base):
    __tablename__ = "after_sale_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    after_sale_id: Mapped[int] = mapped_column(sa.ForeignKey("after_sales.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[AfterSaleStatus | None] = mapped_column(_enum(AfterSaleStatus))
    to_status: Mapped[AfterSaleStatus] = mapped_column(_enum(AfterSaleStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
