"""Verified-purchase reviews: one per order line, by its buyer, after delivery; the shop's one public
reply; reports by anyone signed in; the platform hides a review with a reason. Totals per product and
per shop (``review_totals``) are kept in the review's own transaction, so a page reads averages and
counts in one indexed row instead of grouping every review."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Relationship, foreign, mapped_column, relationship

from catalog.models import Product
from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.shops.models import Shop

#: The rated dimensions, in page order: 品质新鲜度, 重量准确, 物流交付.
DIMENSIONS = ("quality", "weight", "delivery")


def _stars(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_stars")


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (_stars("quality"), _stars("weight"), _stars("delivery"),
                      sa.Index("ix_reviews_product_visible", "product_id", "hidden_at", "id"),
                      sa.Index("ix_reviews_shop_visible", "shop_id", "hidden_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One review per order line: the database refuses a second (two submits at once make one).
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"))
    buyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The line's title and variant at the time (the product may change or go).
    product_title: Mapped[str] = mapped_column(sa.String(120))
    variant_name: Mapped[str] = mapped_column(sa.String(80), default="")
    quality: Mapped[int]
    weight: Mapped[int]
    delivery: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The shop's public reply (once; editable for REVIEW_REPLY_EDIT_MINUTES after it was posted).
    reply_text: Mapped[str | None] = mapped_column(sa.String(1000))
    reply_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[dt.datetime | None]
    reply_edited_at: Mapped[dt.datetime | None]
    #: Hidden by the platform: off every public page and out of the totals; the reviewer was told why.
    hidden_at: Mapped[dt.datetime | None]
    hidden_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Open reports (the admin's list shows reported, visible reviews first by this count).
    report_count: Mapped[int] = mapped_column(default=0)

    buyer: Mapped[User | None] = relationship(foreign_keys=[buyer_id])
    photos: Mapped[list[ReviewPhoto]] = relationship(back_populates="review", order_by="ReviewPhoto.id",
                                                      cascade="all, delete-orphan")

    @property
    def overall(self) -> float:
        return (self.quality + self.weight + self.delivery) / 3


class ReviewPhoto(Base):
    """A photo of the goods: re-encoded (no EXIF or GPS), public like the review."""

    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    #: Storage keys of the re-encoded image (largest side 1600 px) and of its thumbnail (320 px).
    key: Mapped[str] = mapped_column(sa.String(200))
    thumb_key: Mapped[str] = mapped_column(sa.String(200))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)

    review: Mapped[Review] = relationship(back_populates="photos")


class ReviewReport(Base):
    """Someone signed in reports a review (one report per person and review)."""

    __tablename__ = "review_reports"
    __table_args__ = (sa.UniqueConstraint("review_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewTotal(Base):
    """The visible reviews of a product or a shop, summed: kind "product" or "shop" and its id.
    Averages are sums / count; kept by reviews.totals in the transaction that adds or hides a review."""

    __tablename__ = "review_totals"

    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    quality_sum: Mapped[int] = mapped_column(default=0)
    weight_sum: Mapped[int] = mapped_column(default=0)
    delivery_sum: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def average(self, dimension: str | None = None) -> float:
        """The average of one dimension, or overall (the three averaged); 0 without reviews."""
        if not self.count:
            return 0.0
        if dimension:
            return getattr(self, f"{dimension}_sum") / self.count
        return (self.quality_sum + self.weight_sum + self.delivery_sum) / (3 * self.count)


def _total_of(kind: str, subject) -> Relationship:
    return relationship(ReviewTotal, primaryjoin=lambda: sa.and_(
        ReviewTotal.kind == kind, foreign(ReviewTotal.subject_id) == subject.id), viewonly=True, uselist=False)


# Not columns: a product's and a shop's totals, joined into the statement that loads the product
# page's product and the shop page's shop (the load options reviews adds: reviews/__init__.py), so
# their blocks (reviews.queries.block) read no row of their own.
Product.review_total = _total_of("product", Product)
Shop.review_total = _total_of("shop", Shop)
