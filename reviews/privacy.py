"""The buyer's personal data in reviews: the reviews he wrote and the reports he made (his export,
his deletion). On deletion his words and photos go; his ratings stay (anonymous, shown as a deleted
account), so the shops' and products' averages do not move."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.registry import Erasure, register_personal_data
from reviews.models import Review, ReviewPhoto, ReviewReport


def export_reviews(user, limit: int) -> list[dict]:
    rows = db.session.scalars(sa.select(Review).where(Review.buyer_id == user.id).order_by(Review.id).limit(limit))
    return [{"product": r.product_title, "variant": r.variant_name, "order_id": r.order_id, "quality": r.quality,
             "weight": r.weight, "delivery": r.delivery, "text": r.text, "photos": len(r.photos),
             "reply": r.reply_text, "hidden": r.hidden_at is not None, "created_at": as_utc(r.created_at).isoformat()}
            for r in rows]


def export_reports(user, limit: int) -> list[dict]:
    rows = db.session.scalars(sa.select(ReviewReport).where(ReviewReport.reporter_id == user.id)
                              .order_by(ReviewReport.id).limit(limit))
    return [{"review_id": r.review_id, "reason": r.reason, "text": r.text,
             "created_at": as_utc(r.created_at).isoformat()} for r in rows]


def erase(erasure: Erasure) -> None:
    """His texts emptied and his photos unlinked (their files may be shared by identical pictures and
    are left to the media store); ratings and reports stay for the averages and the admin's record."""
    user_id = erasure.user.id
    mine = sa.select(Review.id).where(Review.buyer_id == user_id).scalar_subquery()
    db.session.execute(sa.delete(ReviewPhoto).where(ReviewPhoto.review_id.in_(mine))
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(Review).where(Review.buyer_id == user_id).values(text="")
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(ReviewReport).where(ReviewReport.reporter_id == user_id).values(text="")
                       .execution_options(synchronize_session=False))


def register(app) -> None:
    register_personal_data(app, "reviews", _l("我的评价"), export=export_reviews, erase=erase)
    register_personal_data(app, "review_reports", _l("评价举报"), export=export_reports)
