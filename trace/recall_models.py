"""Recalls: a batch recalled by its shop or a regulator, the batches it took off sale (the batch and
the repacked batches made from it), and one notice per buyer who received any of them, with his
acknowledgement."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from trace.models import Batch


class RecallStatus(enum.StrEnum):
    OPEN = "open"  #: notices sent; buyers acknowledge, the shop retrieves the goods
    CLOSED = "closed"  #: the shop or the regulator closed it (the goods are dealt with)


class Recall(Base):
    """One recall of one batch (a batch is recalled once: the batch's own status is final)."""

    __tablename__ = "trace_recalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id"), unique=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[RecallStatus] = mapped_column(_enum(RecallStatus, 10), default=RecallStatus.OPEN, index=True)
    initiated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Recalled by a food-safety regulator (else by the shop, or the platform's admin).
    by_regulator: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[dt.datetime | None]

    batch: Mapped[Batch] = relationship()
    initiated_by: Mapped[User | None] = relationship()
    batches: Mapped[list[RecallBatch]] = relationship(back_populates="recall", order_by="RecallBatch.id",
                                                      cascade="all, delete-orphan")
    notices: Mapped[list[RecallNotice]] = relationship(back_populates="recall", order_by="RecallNotice.id",
                                                       cascade="all, delete-orphan")
    history: Mapped[list[RecallChange]] = relationship(order_by="RecallChange.id", cascade="all, delete-orphan")


class RecallBatch(Base):
    """A batch the recall took off sale: the recalled batch itself, or one repacked from it."""

    __tablename__ = "trace_recall_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_recalls.id", ondelete="CASCADE"), index=True)
    #: Unique: a batch leaves sale through one recall only.
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_batches.id"), unique=True)
    #: How many generations below the recalled batch (0: the batch itself).
    depth: Mapped[int] = mapped_column(default=0)
    #: The batch's unshipped quantity when recalled (never allocated again).
    withdrawn: Mapped[int] = mapped_column(default=0)
    #: What left the variant's stock (a stock movement "batch_recalled"); less than ``withdrawn``
    #: when some of it was already reserved by orders that cannot ship it now.
    stock_removed: Mapped[int] = mapped_column(default=0)

    recall: Mapped[Recall] = relationship(back_populates="batches")
    batch: Mapped[Batch] = relationship()


class RecallNotice(Base):
    """The one notice a buyer gets of a recall, whatever the number of batches and orders."""

    __tablename__ = "trace_recall_notices"
    __table_args__ = (sa.UniqueConstraint("recall_id", "buyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_recalls.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None]

    recall: Mapped[Recall] = relationship(back_populates="notices")
    buyer: Mapped[User] = relationship()


class RecallChange(Base):
    """The recall's status history (the shared state machine)."""

    __tablename__ = "trace_recall_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_recalls.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[RecallStatus | None] = mapped_column(_enum(RecallStatus, 10))
    to_status: Mapped[RecallStatus] = mapped_column(_enum(RecallStatus, 10))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
