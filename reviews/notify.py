"""Who hears of what, in the review's own transaction (marketplace.notifications.dispatch.post)."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.notifications.dispatch import post
from marketplace.web import absolute_url
from orders.models import Order
from orders.notify import owners_by_shop
from reviews.models import Review


def _link(review: Review) -> str:
    if review.product_id:
        return absolute_url("reviews.product_reviews", product_id=review.product_id) + f"#review-{review.id}"
    return absolute_url("reviews.merchant_reviews")


def new_review(review: Review, order: Order) -> None:
    """The shop's owners: a buyer reviewed one of its lines."""
    stars = f"{review.overall:.1f}"
    for user in owners_by_shop([order.shop_id]).get(order.shop_id, []):
        post(user, "reviews.new", params={"product": review.product_title, "stars": stars},
             link=absolute_url("reviews.merchant_reviews") + f"#review-{review.id}")


def replied(review: Review) -> None:
    """The reviewer: the shop answered."""
    from marketplace.accounts.models import User
    from marketplace.shops.models import Shop

    buyer = db.session.get(User, review.buyer_id) if review.buyer_id else None
    if buyer is None or not buyer.active:
        return
    shop = db.session.get(Shop, review.shop_id)
    post(buyer, "reviews.reply", params={"shop": shop.name, "product": review.product_title}, link=_link(review))


def hidden(review: Review) -> None:
    """The reviewer: the platform hid his review, and why."""
    from marketplace.accounts.models import User

    buyer = db.session.get(User, review.buyer_id) if review.buyer_id else None
    if buyer is None or not buyer.active:
        return
    post(buyer, "reviews.hidden", params={"product": review.product_title, "reason": review.hidden_reason},
         link=_link(review))
