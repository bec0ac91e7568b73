"""The products index's ``rating`` (search.extend_index): a product's average over its visible
reviews, in hundredths (4.67 -> 467; 0 without reviews, so unrated products come last when sorted
best first). reviews.totals re-indexes the product whenever its total changes."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from reviews.models import ReviewTotal
from search import IndexExtension, extend_index


def ratings(ids: list) -> dict[int, dict]:
    """{product id: {"rating": hundredths}} for the reviewed products among ``ids`` (one statement)."""
    wanted = [int(i) for i in ids]
    rows = db.session.execute(sa.select(ReviewTotal).where(ReviewTotal.kind == "product",
                                                           ReviewTotal.subject_id.in_(wanted),
                                                           ReviewTotal.count > 0)).scalars()
    return {row.subject_id: {"rating": round(row.average() * 100)} for row in rows}


EXTENSION = IndexExtension(name="reviews", values=ratings, numeric_fields=("rating",), defaults={"rating": 0})


def register() -> None:
    extend_index("products", EXTENSION)
