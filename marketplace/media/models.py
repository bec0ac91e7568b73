"""One row per stored image: its normalised original and whether its sizes have been made yet."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class MediaImage(Base):
    __tablename__ = "media_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``{prefix}/{digest[:2]}/{digest}``: the original is ``{base}-full.webp``, each size
    #: ``{base}-{size}.webp`` (the keys the domains store).
    base: Mapped[str] = mapped_column(sa.String(255), unique=True)
    #: Longest side of each derivative the job makes (0, the full image, is the original itself).
    sizes: Mapped[list] = mapped_column(sa.JSON, default=list)
    width: Mapped[int]
    height: Mapped[int]
    #: When the job stored every size; None while they are being made (pages show the original).
    ready_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
