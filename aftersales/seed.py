"""Demo after-sales, through the real services on the demo's received orders: a return received
back into stock and refunded, a refund-only approved, one waiting for the shop, one refused and
disputed (the admin's to rule), one ruled for the shop. Runs once (nothing is made when any
request exists)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from aftersales import services
from aftersales.models import AfterSale
from marketplace.accounts.models import User
from marketplace.db import as_utc, at_time
from marketplace.extensions import db
from marketplace.mail.services import muted
from orders.models import Order, OrderStatus
from payments import refunds
from payments.models import OFFLINE_METHODS

#: (kind, reason, what the buyer writes, how it ends)
STORIES = [
    ("return", "quality", "两箱梨磕碰，果皮发黑", "returned"),
    ("refund", "short_weight", "到货过秤少了 3 斤", "approved"),
    ("refund", "damaged", "有一箱辣椒捂坏了，照片已拍", "open"),
    ("refund", "not_as_described", "说是一级果，到货大小不一", "disputed"),
    ("return", "wrong_item", "订的是干红，发来的是干白", "ruled_for_shop"),
]


def _candidates() -> list[Order]:
    """Received orders, paid offline or on credit, newest first, one per buyer and shop pair (a varied demo)."""
    orders = db.session.scalars(sa.select(Order).where(Order.status.in_((OrderStatus.DELIVERED, OrderStatus.COMPLETED)))
                                .order_by(Order.id.desc()).limit(200))
    seen, found = set(), []
    for order in orders:
        key = (order.buyer_id, order.shop_id)
        if key in seen:
            continue
        payment = refunds.payment_of(order)
        if payment is not None and payment.method not in OFFLINE_METHODS:
            continue  # the demo has no gateway to send an online refund to
        seen.add(key)
        found.append(order)
    return found


def _tell(case, ending: str, admin, start: dt.datetime) -> None:
    """Carry the request on, a day a step, as its people would have."""
    owner = case.order.shop.members[0].user
    buyer = case.order.buyer
    days = iter(range(1, 6))

    def later():
        return at_time(start + dt.timedelta(days=next(days), hours=2))

    if ending == "returned":
        with later():
            services.approve(case, owner, return_shipping="none", note="送回市场摊位，过秤后退款")
        with later():
            services.mark_returned(case, buyer)
        with later():
            services.confirm_received(case, owner, restock=True)
    elif ending == "approved":
        with later():
            services.approve(case, owner, note="按少的斤数退")
    elif ending in ("disputed", "ruled_for_shop"):
        with later():
            services.refuse(case, owner, note="发货时拍了照，货是对的")
        with later():
            services.dispute(case, buyer, note="请平台看一下到货照片")
        if ending == "ruled_for_shop" and admin is not None:
            with later():
                services.rule(case, admin, decision="reject", note="商家提供了发货视频，货品与订单一致")


def seed_demo(progress=None) -> str:  # noqa: ARG001 - the seed runner's signature
    if db.session.scalar(sa.select(sa.func.count(AfterSale.id))):
        return "already there"
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.example"))
    stories = iter(STORIES)
    story = next(stories)
    made = 0
    with muted():  # the demo's past: its notices would have gone out then
        for order in _candidates():
            start = as_utc(order.delivered_at or order.completed_at) + dt.timedelta(hours=20)
            kind, reason, text, ending = story
            with at_time(start):
                if services.refusal(order) is not None:
                    continue
                line_id, left = next(iter(services.askable_quantities(order).items()))
                case = services.request_after_sale(order, order.buyer, kind=kind, reason=reason,
                                                   lines={line_id: max(1, min(left // 3, 2))}, description=text)
            _tell(case, ending, admin, start)
            made += 1
            story = next(stories, None)
            if story is None:
                break
    return f"{made} after-sales requests"
