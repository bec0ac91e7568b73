"""The per-product and per-shop totals of visible reviews (``review_totals``), kept in the same
transaction as the review that changes them, by one upsert adding or taking away its ratings (an
atomic ``count = count + 1``: concurrent reviews of one product never lose a count)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from reviews.models import Review, ReviewTotal


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL only
        raise RuntimeError(f"review_totals: no upsert for {dialect}")
    return insert


def apply(review: Review, sign: int) -> None:
    """Add (sign=1) or take away (sign=-1) one review's ratings from its product's and shop's totals."""
    insert = _insert()
    subjects = [("shop", review.shop_id)] + ([("product", review.product_id)] if review.product_id else [])
    for kind, subject_id in subjects:
        stmt = insert(ReviewTotal).values(kind=kind, subject_id=subject_id, count=max(sign, 0),
                                          quality_sum=max(sign, 0) * review.quality,
                                          weight_sum=max(sign, 0) * review.weight,
                                          delivery_sum=max(sign, 0) * review.delivery, updated_at=utcnow())
        stmt = stmt.on_conflict_do_update(index_elements=["kind", "subject_id"], set_={
            "count": ReviewTotal.count + sign,
            "quality_sum": ReviewTotal.quality_sum + sign * review.quality,
            "weight_sum": ReviewTotal.weight_sum + sign * review.weight,
            "delivery_sum": ReviewTotal.delivery_sum + sign * review.delivery,
            "updated_at": utcnow()})
        db.session.execute(stmt)
    # the products index reads the product's total (reviews.search): tell it the product changed
    if review.product_id:
        from search import notify_changed

        notify_changed("products", review.product_id)


def of(kind: str, subject_id: int) -> ReviewTotal:
    """The totals of a product or shop (an empty one when it has no visible review)."""
    found = db.session.get(ReviewTotal, (kind, subject_id))
    return found if found is not None else empty(kind, subject_id)


def empty(kind: str, subject_id: int) -> ReviewTotal:
    """The totals of a product or shop with no visible review (not added to the session)."""
    return ReviewTotal(kind=kind, subject_id=subject_id, count=0, quality_sum=0, weight_sum=0, delivery_sum=0)


def recount(kind: str, subject_id: int) -> tuple[int, int, int, int]:
    """(count, quality, weight, delivery sums) counted from the reviews themselves (tests, checks)."""
    column = Review.product_id if kind == "product" else Review.shop_id
    row = db.session.execute(sa.select(sa.func.count(Review.id), sa.func.coalesce(sa.func.sum(Review.quality), 0),
                                       sa.func.coalesce(sa.func.sum(Review.weight), 0),
                                       sa.func.coalesce(sa.func.sum(Review.delivery), 0))
                             .where(column == subject_id, Review.hidden_at.is_(None))).one()
    return tuple(int(v) for v in row)
