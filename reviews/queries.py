"""Read side: the totals and latest reviews a product or shop page shows, the paginated lists, the
buyer's reviewed lines, the admin's reported reviews. Each is one or two statements whatever the
number of reviews."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.web import paginate
from reviews import totals
from reviews.models import Review

#: Reviews shown on a product or shop page; the rest are on the list page.
LATEST = 3
PER_PAGE = 10


def visible(kind: str, subject_id: int) -> sa.Select:
    column = Review.product_id if kind == "product" else Review.shop_id
    return (sa.select(Review).where(column == subject_id, Review.hidden_at.is_(None)).order_by(Review.id.desc())
            .options(joinedload(Review.buyer).options(lazyload(User.roles)), selectinload(Review.photos)))


def block(kind: str, subject) -> dict:
    """The product or shop page's block: totals, and the latest reviews with their reviewers and
    photos in one statement, not read when there are none. The totals came with the page's product
    or shop (``review_total``, joined by the load options reviews adds to their statements: None
    when there is no review), else they are one primary-key read."""
    subject_id = subject.id
    if "review_total" in subject.__dict__:
        found = subject.review_total or totals.empty(kind, subject_id)
    else:
        found = totals.of(kind, subject_id)
    latest = []
    if found.count:
        column = Review.product_id if kind == "product" else Review.shop_id
        latest = list(db.session.scalars(
            sa.select(Review).where(column == subject_id, Review.hidden_at.is_(None)).order_by(Review.id.desc())
            .limit(LATEST).options(joinedload(Review.buyer).options(lazyload(User.roles)),
                                   joinedload(Review.photos))).unique())
    return {"reviews_block": "reviews/_block.html", "review_totals": found, "latest_reviews": latest,
            "reviews_kind": kind, "reviews_subject": subject_id}


def page_of(kind: str, subject_id: int, page: int | None = None):
    """One page of a product's or shop's visible reviews, newest first."""
    return paginate(visible(kind, subject_id), per_page=PER_PAGE, page=page)


def reviewed_lines(line_ids) -> dict[int, int]:
    """{order line id: review id} for the lines already reviewed."""
    ids = list(line_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Review.order_line_id, Review.id).where(Review.order_line_id.in_(ids))).all())


def for_shop(shop_id: int, page: int | None = None):
    """The shop's reviews for its members, hidden ones too (marked), newest first."""
    stmt = (sa.select(Review).where(Review.shop_id == shop_id).order_by(Review.id.desc())
            .options(joinedload(Review.buyer).options(lazyload(User.roles)), selectinload(Review.photos)))
    return paginate(stmt, per_page=20, page=page)


def reported(page: int | None = None, *, hidden: bool = False):
    """Reported reviews for the admin: visible ones (most reports first), or the hidden ones."""
    stmt = sa.select(Review).options(joinedload(Review.buyer).options(lazyload(User.roles)),
                                     selectinload(Review.photos))
    if hidden:
        stmt = stmt.where(Review.hidden_at.is_not(None)).order_by(Review.hidden_at.desc())
    else:
        stmt = stmt.where(Review.report_count > 0, Review.hidden_at.is_(None)).order_by(
            Review.report_count.desc(), Review.id.desc())
    return paginate(stmt, per_page=30, page=page)
