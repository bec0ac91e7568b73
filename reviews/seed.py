"""Demo reviews, through the real services on the demo's delivered and completed orders: each line
reviewed a day after delivery (most of them), some with a photo (the product's own demo photo, as a
buyer's snapshot), many answered by the shop the next day, and one reported for the admin's list.
Runs once (nothing is made when any review exists)."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.accounts.models import User
from marketplace.db import as_utc, at_time
from marketplace.extensions import db
from marketplace.mail.services import muted
from marketplace.media import MediaError, get_storage
from orders.models import Order, OrderStatus
from reviews import services
from reviews.models import Review

#: (quality, weight, delivery, what the buyer writes)
STORIES = [
    (5, 5, 5, "货很新鲜，足斤足两，送货也快，下次还来。"),
    (5, 4, 5, "品相好，个头均匀，称了一下差一点点，可以接受。"),
    (4, 5, 4, "质量不错，包装结实，就是比约定晚了半天到。"),
    (5, 5, 4, "老客户了，一直稳定。"),
    (3, 4, 3, "有几个磕碰的，整体还行。"),
    (4, 4, 5, "物流给力，当天就到了，饭店用着放心。"),
    (2, 3, 4, "这批比上次的小，希望保持品质。"),
    (5, 5, 5, ""),
]
REPLIES = ["感谢您的支持，欢迎常来！", "谢谢反馈，下批我们会挑得更仔细。", "已经提醒物流加快，给您添麻烦了。"]
MAX_ORDERS = 80


def _photo(line) -> list[FileStorage]:
    """The product's own demo photo, as if the buyer had taken it (none when the demo has no image)."""
    from catalog.models import Product

    product = db.session.get(Product, line.product_id) if line.product_id else None
    if product is None or not product.primary_image:
        return []
    try:
        data = get_storage().open(f"{product.primary_image}-320.webp")
    except (OSError, KeyError, MediaError):
        return []
    return [FileStorage(stream=io.BytesIO(data), filename="photo.webp", content_type="image/webp")]


def seed_demo(progress=None) -> str:  # noqa: ARG001 - the seed runner's signature
    if db.session.scalar(sa.select(sa.func.count(Review.id))):
        return "already there"
    orders = db.session.scalars(sa.select(Order).where(Order.status.in_((OrderStatus.DELIVERED, OrderStatus.COMPLETED)))
                                .order_by(Order.id.desc()).limit(MAX_ORDERS)).all()
    made = replied = 0
    first = None
    with muted():  # the demo's past: its notices would have gone out then
        for n, order in enumerate(orders):
            start = as_utc(order.delivered_at or order.completed_at) + dt.timedelta(hours=20)
            owner = order.shop.members[0].user if order.shop.members else None
            for i, line in enumerate(order.lines):
                if (n + i) % 5 == 4:
                    continue  # not every buyer reviews
                quality, weight, delivery, text = STORIES[(n + i) % len(STORIES)]
                with at_time(start + dt.timedelta(minutes=i)):
                    if services.refusal(order) is not None:
                        break
                    review = services.submit_review(order.id, line.id, order.buyer, text=text,
                                                    ratings={"quality": quality, "weight": weight,
                                                             "delivery": delivery},
                                                    uploads=_photo(line) if (n + i) % 3 == 0 else ())
                made += 1
                first = first or review
                if owner is not None and (n + i) % 2 == 0:
                    with at_time(start + dt.timedelta(days=1, minutes=i)):
                        services.reply(review, owner, REPLIES[(n + i) % len(REPLIES)])
                    replied += 1
        reporter = db.session.scalar(sa.select(User).where(User.id != (first.buyer_id if first else 0),
                                                           User.active.is_(True)).order_by(User.id).limit(1))
        if first is not None and reporter is not None:
            services.report(first, reporter, reason="fake", text="这家店的评价都一个腔调")
    return f"{made} reviews, {replied} replies"
