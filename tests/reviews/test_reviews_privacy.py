"""A reviewer's reviews and reports are in his export; deleting his account empties his words and
unlinks his photos but keeps his ratings, so the averages do not move."""

from __future__ import annotations

import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.extensions import db
from marketplace.privacy.erasure import delete_account
from marketplace.privacy.export import collect
from orders.models import Order
from orders.services import confirm_receipt
from reviews import services, totals
from reviews.models import Review, ReviewPhoto
from tests.reviews.conftest import photo_bytes


def test_export_and_deletion(delivered, make_user):
    buyer, order = delivered()
    photo = FileStorage(stream=io.BytesIO(photo_bytes()), filename="p.jpg", content_type="image/jpeg")
    review = services.submit_review(order.id, order.lines[0].id, buyer, text="联系我 13800000000",
                                    ratings={"quality": 4, "weight": 4, "delivery": 4}, uploads=[photo])
    other_buyer, other_order = delivered()
    other = services.submit_review(other_order.id, other_order.lines[0].id, other_buyer,
                                   ratings={"quality": 2, "weight": 2, "delivery": 2})
    services.report(other, buyer, reason="fake", text="不像真的")
    sections = collect(buyer)["sections"]
    assert sections["reviews"][0]["text"] == "联系我 13800000000" and sections["reviews"][0]["photos"] == 1
    assert sections["review_reports"][0]["reason"] == "fake"

    confirm_receipt(db.session.get(Order, order.id), buyer)  # a completed order no longer blocks the deletion
    delete_account(buyer, actor=make_user(roles=("admin",)), note="申请单 1")
    db.session.expire_all()
    kept = db.session.get(Review, review.id)
    assert kept.text == "" and kept.quality == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewPhoto)) == 0
    assert totals.of("shop", order.shop_id).count == 1
