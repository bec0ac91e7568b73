"""Sourcing (求购): a buyer's request for quotation, its revisions and attachments, and the shops'
quotes (price lines, revisions kept) that may become an order.

A request is edited only as a new revision (the previous one kept as a snapshot); a quote is one
per shop per request and revised in place, its earlier versions kept as snapshots too.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Category
from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region
from marketplace.shops.models import Shop


class RequestStatus(enum.StrEnum):
    DRAFT = "draft"          #: saved, not yet seen by any shop
    OPEN = "open"            #: taking quotes
    AWARDED = "awarded"      #: a quote was accepted: it became an order
    CLOSED = "closed"        #: it reached its maximum of quotes (the buyer may still accept one)
    EXPIRED = "expired"      #: its quote deadline passed (the buyer may still accept a valid quote)
    CANCELLED = "cancelled"  #: the buyer withdrew it


class Visibility(enum.StrEnum):
    PUBLIC = "public"    #: on the public board; matching shops may quote
    REGION = "region"    #: only the matching shops (category and delivery region) see it
    INVITED = "invited"  #: only the shops the buyer invited


class QuoteStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_CHOSEN = "not_chosen"  #: the buyer accepted another quote


class SourcingRequest(Base):
    __tablename__ = "sourcing_requests"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),
                      sa.CheckConstraint("max_quotes > 0", name="max_quotes_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    #: What is wanted (product text) and its specification.
    title: Mapped[str] = mapped_column(sa.String(120))
    spec: Mapped[str] = mapped_column(sa.String(1000), default="")
    quantity: Mapped[int]
    #: A unit code of the one unit table (catalog.units).
    unit: Mapped[str] = mapped_column(sa.String(10))
    #: The buyer's target price per unit, in fen (optional).
    target_price_cents: Mapped[int | None]
    #: Where to deliver: a region at any level.
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    deliver_from: Mapped[dt.date | None]
    deliver_until: Mapped[dt.date | None]
    #: Quotes are taken until then (UTC).
    quote_deadline: Mapped[dt.datetime] = mapped_column(index=True)
    max_quotes: Mapped[int] = mapped_column(default=10)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, 10), default=Visibility.PUBLIC)
    invoice_needed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, 12), default=RequestStatus.DRAFT, index=True)
    #: Revision number: 1 when posted, +1 per edit of an open request.
    revision: Mapped[int] = mapped_column(default=1)
    #: Quotes received (one per shop), kept here so the maximum is one conditional UPDATE.
    quote_count: Mapped[int] = mapped_column(default=0)
    #: The order the accepted quote became.
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    #: The supply post this request reserves a quantity of (sent to that post's shop only).
    supply_post_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sourcing_supply_posts.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    opened_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]

    buyer: Mapped[User] = relationship()
    category: Mapped[Category] = relationship()
    region: Mapped[Region] = relationship()
    attachments: Mapped[list[SourcingAttachment]] = relationship(
        primaryjoin="and_(SourcingAttachment.request_id == SourcingRequest.id, SourcingAttachment.quote_id.is_(None))",
        order_by="SourcingAttachment.id", viewonly=True)
    invites: Mapped[list[SourcingInvite]] = relationship(cascade="all, delete-orphan")
    history: Mapped[list[SourcingRequestChange]] = relationship(cascade="all, delete-orphan",
                                                                order_by="SourcingRequestChange.id")


class SourcingRequestRevision(Base):
    """What a request said before an edit (the current text is on the request itself)."""

    __tablename__ = "sourcing_request_revisions"
    __table_args__ = (sa.UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_requests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SourcingRequestChange(Base):
    __tablename__ = "sourcing_request_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_requests.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[RequestStatus | None] = mapped_column(_enum(RequestStatus, 12))
    to_status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, 12))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SourcingInvite(Base):
    """A shop invited to quote (an invited-only request is seen by these shops only)."""

    __tablename__ = "sourcing_invites"
    __table_args__ = (sa.UniqueConstraint("request_id", "shop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_requests.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)

    shop: Mapped[Shop] = relationship()


class AttachmentKind(enum.StrEnum):
    IMAGE = "image"
    PDF = "pdf"


class SourcingAttachment(Base):
    """An image (re-encoded) or a PDF (checked by marketplace.pdf) of a request or of a quote, kept
    privately and served only to who may see it."""

    __tablename__ = "sourcing_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_requests.id", ondelete="CASCADE"), index=True)
    quote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sourcing_quotes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(_enum(AttachmentKind, 8))
    key: Mapped[str] = mapped_column(sa.String(200))
    thumb_key: Mapped[str] = mapped_column(sa.String(200), default="")
    filename: Mapped[str] = mapped_column(sa.String(120), default="")
    size: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Quote(Base):
    """One shop's answer to one request (revised in place; earlier versions in QuoteRevision)."""

    __tablename__ = "sourcing_quotes"
    __table_args__ = (sa.UniqueConstraint("request_id", "shop_id"),
                      sa.CheckConstraint("freight_cents >= 0", name="freight_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_requests.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[QuoteStatus] = mapped_column(_enum(QuoteStatus, 12), default=QuoteStatus.SUBMITTED)
    #: 1 when sent, +1 per revision.
    revision: Mapped[int] = mapped_column(default=1)
    #: The request's revision this version answers.
    request_revision: Mapped[int] = mapped_column(default=1)
    delivery_date: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    freight_cents: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: Lines plus freight, computed from the stored lines.
    total_cents: Mapped[int] = mapped_column(default=0)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    request: Mapped[SourcingRequest] = relationship()
    shop: Mapped[Shop] = relationship()
    lines: Mapped[list[QuoteLine]] = relationship(cascade="all, delete-orphan", order_by="QuoteLine.id")
    attachments: Mapped[list[SourcingAttachment]] = relationship(order_by="SourcingAttachment.id", viewonly=True)


class QuoteLine(Base):
    """A price line: one of the shop's variants, or a free line (variant_id None)."""

    __tablename__ = "sourcing_quote_lines"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),
                      sa.CheckConstraint("unit_price_cents > 0", name="unit_price_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_quotes.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("variants.id", ondelete="SET NULL"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(120))
    unit: Mapped[str] = mapped_column(sa.String(10))
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]
    line_total_cents: Mapped[int]
    #: Net grams of one unit when known (the variant's weight): per-kg prices where the unit is not a weight.
    weight_grams: Mapped[int | None]
    #: Optional price tiers, ``[{"min_quantity": n, "unit_price_cents": c}, ...]`` ascending (sourcing.tiers):
    #: unit_price_cents applies below the first; line_total_cents is the quoted quantity at its tier price.
    tiers: Mapped[list | None] = mapped_column(sa.JSON)


class QuoteRevision(Base):
    """A quote's earlier version (lines and terms as they were)."""

    __tablename__ = "sourcing_quote_revisions"
    __table_args__ = (sa.UniqueConstraint("quote_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("sourcing_quotes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
