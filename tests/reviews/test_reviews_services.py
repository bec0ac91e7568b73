"""Reviews through the services: who may review what and when, reply once, report and hide, and the
totals kept right."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.notifications.models import Notification
from orders.models import Order
from reviews import services, totals
from reviews.errors import ReviewError
from reviews.models import Review, ReviewPhoto, ReviewReport
from tests.reviews.conftest import photo_bytes

GOOD = {"quality": 5, "weight": 4, "delivery": 3}


def _upload(data: bytes, name: str = "p.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/jpeg")


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_buyer_reviews_a_delivered_line_with_photos_and_the_shop_is_told(db, delivered):
    buyer, order = delivered()
    line = order.lines[0]
    review = services.submit_review(order.id, line.id, buyer, ratings=GOOD, text="  很新鲜\x07，足斤足两  ",
                                    uploads=[_upload(photo_bytes())])
    assert review.text == "很新鲜，足斤足两"  # the control character stripped, trimmed
    assert (review.quality, review.weight, review.delivery) == (5, 4, 3)
    assert review.product_id == line.product_id and review.shop_id == order.shop_id
    (photo,) = db.session.scalars(sa.select(ReviewPhoto)).all()
    assert photo.key.startswith("public/reviews/") and photo.key.endswith("-1600.webp")
    owner = order.shop.members[0].user
    assert db.session.scalar(sa.select(Notification.params).where(Notification.user_id == owner.id,
                                                                  Notification.type_key == "reviews.new"))
    assert totals.of("product", line.product_id).count == 1
    assert totals.of("shop", order.shop_id).average() == pytest.approx(4.0)


def test_a_completed_order_is_reviewable_too(db, delivered):
    buyer, order = delivered()
    services_orders = __import__("orders.services", fromlist=["confirm_receipt"])
    services_orders.confirm_receipt(order, buyer)
    assert services.submit_review(order.id, order.lines[0].id, buyer, ratings=GOOD).id


def _notices(db, user, key: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.type_key == key))


@pytest.mark.parametrize("case", ["not_delivered", "second", "foreign", "wrong_order", "late", "bad_photo",
                                  "bad_rating", "too_long", "too_many_photos"])
def test_refusals_change_nothing(db, app, delivered, make_user, case):
    buyer, order = delivered(deliver=case != "not_delivered")
    line = order.lines[0]
    order_id, line_id = order.id, line.id
    kwargs = {"ratings": dict(GOOD), "text": "好"}
    who = buyer
    expected_status = 409
    if case == "second":
        services.submit_review(order_id, line_id, buyer, ratings=GOOD)
    elif case == "foreign":
        who, expected_status = make_user(), 404
    elif case == "wrong_order":
        _other_buyer, other = delivered(buyer=buyer)
        order_id, expected_status = other.id, 404
    elif case == "late":
        db.session.execute(sa.update(Order).where(Order.id == order.id).values(
            delivered_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=app.config["REVIEW_WINDOW_DAYS"] + 1)))
        db.session.commit()
    elif case == "bad_photo":
        kwargs["uploads"], expected_status = [_upload(b"<html>not an image</html>", "x.jpg")], 400
    elif case == "bad_rating":
        kwargs["ratings"]["weight"], expected_status = 6, 400
    elif case == "too_long":
        kwargs["text"], expected_status = "长" * (app.config["REVIEW_TEXT_MAX"] + 1), 400
    elif case == "too_many_photos":
        kwargs["uploads"] = [_upload(photo_bytes()) for _ in range(app.config["REVIEW_MAX_PHOTOS"] + 1)]
        expected_status = 400
    before = _count(db, Review)
    with pytest.raises(ReviewError) as refused:
        services.submit_review(order_id, line_id, who, **kwargs)
    assert refused.value.status == expected_status
    assert refused.value.message  # a sentence for the user
    db.session.rollback()
    assert _count(db, Review) == before
    assert _count(db, ReviewPhoto) == 0
    if before == 0:
        assert totals.of("shop", order.shop_id).count == 0


def test_the_shop_replies_once_and_may_correct_it_only_for_a_short_while(db, app, delivered, make_user):
    buyer, order = delivered()
    owner = order.shop.members[0].user
    review = services.submit_review(order.id, order.lines[0].id, buyer, ratings=GOOD)
    with pytest.raises(ReviewError) as refused:
        services.reply(review, make_user(), "不是本店的人")
    assert refused.value.status == 404
    with pytest.raises(ReviewError):
        services.reply(review, owner, "   ")  # empty
    services.reply(review, owner, "谢谢惠顾")
    assert review.reply_text == "谢谢惠顾" and review.reply_by_id == owner.id
    assert _notices(db, buyer, "reviews.reply") == 1
    services.reply(review, owner, "谢谢惠顾，欢迎再来")  # within the edit window: corrected
    assert review.reply_text == "谢谢惠顾，欢迎再来" and review.reply_edited_at is not None
    assert _notices(db, buyer, "reviews.reply") == 1  # told once
    db.session.execute(sa.update(Review).where(Review.id == review.id).values(
        replied_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=app.config["REVIEW_REPLY_EDIT_MINUTES"] + 1)))
    db.session.commit()
    with pytest.raises(ReviewError) as refused:
        services.reply(review, owner, "改口")
    assert refused.value.code == "already_replied"
    db.session.refresh(review)
    assert review.reply_text == "谢谢惠顾，欢迎再来"


def test_report_then_hide_tells_the_reviewer_and_takes_it_out_of_the_totals(db, delivered, make_user):
    buyer, order = delivered(lines=3)
    ratings = [{"quality": 5, "weight": 5, "delivery": 5}, {"quality": 4, "weight": 3, "delivery": 2},
               {"quality": 1, "weight": 1, "delivery": 1}]
    reviews = [services.submit_review(order.id, line.id, buyer, ratings=r) for line, r in zip(order.lines, ratings)]
    shop_total = totals.of("shop", order.shop_id)
    assert shop_total.count == 3
    assert shop_total.average("quality") == pytest.approx(10 / 3)
    assert shop_total.average("weight") == pytest.approx(3)
    assert shop_total.average() == pytest.approx(27 / 9)
    assert (shop_total.count, shop_total.quality_sum, shop_total.weight_sum,
            shop_total.delivery_sum) == totals.recount("shop", order.shop_id)
    bad = reviews[2]
    reporter = make_user()
    with pytest.raises(ReviewError):
        services.report(bad, reporter, reason="nonsense")
    with pytest.raises(ReviewError) as refused:
        services.report(bad, buyer, reason="spam")  # his own
    assert refused.value.code == "own_review"
    services.report(bad, reporter, reason="abuse", text="骂人")
    with pytest.raises(ReviewError) as refused:
        services.report(bad, reporter, reason="abuse")
    assert refused.value.code == "already_reported"
    assert _count(db, ReviewReport) == 1
    db.session.refresh(bad)
    assert bad.report_count == 1
    admin = make_user(roles=("admin",))
    with pytest.raises(ReviewError):
        services.hide(bad, admin, "")  # a reason is required
    services.hide(bad, admin, "含有辱骂内容")
    assert bad.hidden_at is not None
    shop_total = totals.of("shop", order.shop_id)
    db.session.refresh(shop_total)
    assert shop_total.count == 2
    assert shop_total.average() == pytest.approx((15 + 9) / 6)
    assert (shop_total.count, shop_total.quality_sum, shop_total.weight_sum,
            shop_total.delivery_sum) == totals.recount("shop", order.shop_id)
    assert totals.of("product", bad.product_id).count == 0
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == buyer.id,
                                                            Notification.type_key == "reviews.hidden"))
    assert note is not None and "含有辱骂内容" in note.params
    with pytest.raises(ReviewError) as refused:
        services.hide(bad, admin, "again")
    assert refused.value.code == "already_hidden"
    with pytest.raises(ReviewError):
        services.report(bad, make_user(), reason="spam")  # hidden: gone for the public
