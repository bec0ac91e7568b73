"""Traceability: production batches (lots) of a variant, what went into them, their tests, their
承诺达标合格证 certificate, the parent batches a repacked or mixed batch came from, and the
allocation of shipped order lines to batches.

Modelled on GS1 EPCIS / FSMA 204 key data elements: a batch is a traceability lot (code, quantity
and unit, dates, origin location); an allocation is a shipping event (what left, to which order);
a parent link is a transformation input (which lot, how much of it was consumed).

Quantities are integers in the variant's unit, as stock is. A batch's ``remaining`` is what has not
been shipped yet; for a variant with batches the invariant is
``sum(remaining) == variant.stock + units its orders not yet shipped still hold`` and, per batch,
``sum(allocated - returned) + remaining == quantity`` until a write-off or a recall takes units out
(trace.returns puts units that come back into the batch they were shipped from).
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Variant
from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region
from marketplace.shops.models import Shop


class BatchStatus(enum.StrEnum):
    ACTIVE = "active"      #: on sale and traceable
    RECALLED = "recalled"  #: recalled (by the shop or a regulator): its listings stop selling it


class BatchSource(enum.StrEnum):
    PRODUCED = "produced"  #: harvested or made by the shop itself
    REPACKED = "repacked"  #: repacked or mixed from batches the shop bought on the platform (transformation)


class TestKind(enum.StrEnum):
    __test__ = False  # not a pytest test class
    SELF = "self"                  #: the shop's own rapid test (自检)
    COMMISSIONED = "commissioned"  #: a test by a laboratory (委托检测)


class AttachmentKind(enum.StrEnum):
    IMAGE = "image"
    PDF = "pdf"


class Batch(Base):
    """One production batch (一批) of one variant, with its own code and, once issued, one certificate."""

    __tablename__ = "trace_batches"
    __table_args__ = (sa.UniqueConstraint("shop_id", "sequence"),
                      sa.CheckConstraint("quantity > 0", name="quantity_positive"),
                      sa.CheckConstraint("remaining >= 0", name="remaining_not_negative"),
                      sa.CheckConstraint("remaining <= quantity", name="remaining_at_most_quantity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variants.id"), index=True)
    #: The traceability lot code (trace.codes.batch_code): variety-date-USCC tail-sequence; printed
    #: on the certificate and in the trace page's address.
    code: Mapped[str] = mapped_column(sa.String(48), unique=True)
    #: The shop's running number of its batches (1, 2, ...), the last part of the code.
    sequence: Mapped[int]
    source: Mapped[BatchSource] = mapped_column(_enum(BatchSource, 10), default=BatchSource.PRODUCED)
    status: Mapped[BatchStatus] = mapped_column(_enum(BatchStatus, 10), default=BatchStatus.ACTIVE, index=True)
    #: Harvest, slaughter, catch or production date (for a repacked batch: the repacking date).
    produced_on: Mapped[dt.date]
    #: Best before / use by; set from the shelf life when only that was given.
    expires_on: Mapped[dt.date | None] = mapped_column(index=True)
    shelf_life_days: Mapped[int | None]
    #: Received quantity, in ``unit`` (the variant's unit at receipt).
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(10))
    #: Not shipped yet (allocations take from it; never below zero).
    remaining: Mapped[int]
    #: Where it was grown or made: a region down to the village (the regions table).
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: The field, greenhouse, pond or barn (地块), free text.
    plot: Mapped[str] = mapped_column(sa.String(120), default="")
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recalled_at: Mapped[dt.datetime | None]

    shop: Mapped[Shop] = relationship()
    variant: Mapped[Variant] = relationship()
    region: Mapped[Region | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    inputs: Mapped[list[BatchInput]] = relationship(back_populates="batch", cascade="all, delete-orphan",
                                                    order_by="BatchInput.used_on")
    tests: Mapped[list[BatchTest]] = relationship(back_populates="batch", cascade="all, delete-orphan",
                                                  order_by="BatchTest.tested_on")
    certificate: Mapped[Certificate | None] = relationship(back_populates="batch", uselist=False)
    parents: Mapped[list[BatchParent]] = relationship(foreign_keys="BatchParent.child_id", back_populates="child",
                                                      cascade="all, delete-orphan", order_by="BatchParent.id")
    history: Mapped[list[BatchStatusChange]] = relationship(cascade="all, delete-orphan",
                                                            order_by="BatchStatusChange.id")


class BatchInput(Base):
    """A farm input used on the batch (pesticide, veterinary drug, fertiliser) and its safe interval."""

    __tablename__ = "trace_batch_inputs"
    __table_args__ = (sa.CheckConstraint("safe_interval_days >= 0", name="interval_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    used_on: Mapped[dt.date]
    #: 安全间隔期 / 休药期 in days: the harvest must come at least this long after ``used_on``.
    safe_interval_days: Mapped[int] = mapped_column(default=0)

    batch: Mapped[Batch] = relationship(back_populates="inputs")


class BatchTest(Base):
    """A test of the batch: its result is public on the trace page, its report file stays private."""

    __tablename__ = "trace_batch_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TestKind] = mapped_column(_enum(TestKind, 12))
    passed: Mapped[bool] = mapped_column(default=True)
    #: What was tested and found, e.g. "农药残留速测 合格 (抑制率 12%)".
    result: Mapped[str] = mapped_column(sa.String(200))
    tested_on: Mapped[dt.date]
    #: Who tested: the shop itself or the laboratory's name.
    tester: Mapped[str] = mapped_column(sa.String(80))
    #: The report (image or PDF, judged by content) in private storage; never given a public URL.
    attachment_key: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_kind: Mapped[AttachmentKind | None] = mapped_column(_enum(AttachmentKind, 8))
    attachment_name: Mapped[str] = mapped_column(sa.String(120), default="")

    batch: Mapped[Batch] = relationship(back_populates="tests")


class BatchParent(Base):
    """A transformation input: ``quantity`` of ``parent`` (in the parent's unit) went into ``child``."""

    __tablename__ = "trace_batch_parents"
    __table_args__ = (sa.UniqueConstraint("child_id", "parent_id"),
                      sa.CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id"), index=True)
    quantity: Mapped[int]

    child: Mapped[Batch] = relationship(foreign_keys=[child_id], back_populates="parents")
    parent: Mapped[Batch] = relationship(foreign_keys=[parent_id])


class Allocation(Base):
    """Units of an order line shipped from a batch (a line may come from several batches)."""

    __tablename__ = "trace_allocations"
    __table_args__ = (sa.UniqueConstraint("order_line_id", "batch_id"),
                      sa.CheckConstraint("quantity > 0", name="quantity_positive"),
                      sa.CheckConstraint("returned >= 0 AND discarded >= 0 AND returned + discarded <= quantity",
                                         name="returns_within_quantity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id"), index=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    #: The buyer (denormalised from the order: recalls and transformations ask "who received it").
    buyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Units shipped from the batch (a weighing at handover that found more adds to it).
    quantity: Mapped[int]
    #: Units that came back into the batch's remaining (a refund's or after-sale's restock, a
    #: weighing at handover that found less): sellable again (trace.returns).
    returned: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Units that came back while the batch was recalled or expired: kept off sale (neither the
    #: batch's remaining nor the stock), as a write-off (trace.returns).
    discarded: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship()

    @property
    def held(self) -> int:
        """Units the buyer still holds (shipped, less what came back)."""
        return self.quantity - self.returned - self.discarded


class Certificate(Base):
    """The 承诺达标合格证 of one batch (一批一证): the fields the rules require, frozen when issued
    (kept at least six months: certificates are never deleted)."""

    __tablename__ = "trace_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id", ondelete="CASCADE"), unique=True)
    product_name: Mapped[str] = mapped_column(sa.String(120))
    #: Quantity or weight as printed, e.g. "500 公斤".
    quantity_text: Mapped[str] = mapped_column(sa.String(40))
    #: The producer, or the repacking shop for a repacked batch (开具主体).
    issuer_name: Mapped[str] = mapped_column(sa.String(80))
    origin: Mapped[str] = mapped_column(sa.String(200))
    contact: Mapped[str] = mapped_column(sa.String(40))
    issued_on: Mapped[dt.date]
    #: The commitments ticked (trace.certificates.COMMITMENTS keys), printed as sentences.
    commitments: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Optional: the test the certificate cites ("自检合格" ...), empty when none.
    test_summary: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="certificate")


class BatchStatusChange(Base):
    __tablename__ = "trace_batch_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[BatchStatus | None] = mapped_column(_enum(BatchStatus, 10))
    to_status: Mapped[BatchStatus] = mapped_column(_enum(BatchStatus, 10))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
