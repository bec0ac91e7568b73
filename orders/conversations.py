"""Orders as conversation subjects (messages.subjects): only the order's buyer, with its shop; the
card shows the number, status, total and date (both sides: the buyer's and the merchant's page)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.templating import money_filter
from messages.subjects import Card, register_subject
from orders.models import Order
from orders.status import status_label


def cards(ids: list[int]) -> dict[int, Card]:
    rows = db.session.scalars(sa.select(Order).where(Order.id.in_(ids)))
    return {o.id: Card(title=_("订单 %(number)s", number=o.number),
                       url=url_for("orders.order_detail", order_id=o.id),
                       shop_url=url_for("orders.merchant_order", order_id=o.id),
                       facts=(_("%(status)s · 合计 %(total)s", status=status_label(o.status),
                                total=money_filter(o.total_cents)),))
            for o in rows}


def may_discuss(user, order_id: int, _shop_id: int | None) -> int | None:
    """The order's buyer only: its shop (anyone else: None, a 404)."""
    row = db.session.execute(sa.select(Order.buyer_id, Order.shop_id).where(Order.id == order_id)).first()
    return row.shop_id if row is not None and row.buyer_id == user.id else None


def register(app) -> None:
    register_subject("order", card=cards, may_discuss=may_discuss, label=_l("订单"), app=app)
