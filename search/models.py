"""The search queue: index changes recorded in the same transaction as the data they describe."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class SearchQueue(Base):
    """One pending re-index of one object; drained after commit by whoever gets the index's writer.

    Rows are deleted only after the index commit that covers them, so a crash between the two
    re-indexes the object again rather than losing the change.
    """

    __tablename__ = "search_queue"
    __table_args__ = (sa.Index("ix_search_queue_index_name_id", "index_name", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    #: The registered index (search.register_index), e.g. "products".
    index_name: Mapped[str] = mapped_column(sa.String(40))
    #: The object's id as text (indexes may key on non-integer ids).
    object_id: Mapped[str] = mapped_column(sa.String(64))
    enqueued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
