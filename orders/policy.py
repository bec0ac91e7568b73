"""Who may see which order: the buyer his own, a merchant his shop's (via shops.policy), admins all."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.shops.policy import own_or_404
from orders.models import Address, Order, OrderGroup


def _load(order_id: int) -> Order | None:
    return db.session.scalar(db.select(Order).where(Order.id == order_id)
                             .options(selectinload(Order.lines), selectinload(Order.history)))


def buyer_order_or_404(order_id: int, user) -> Order:
    order = _load(order_id)
    if order is None or order.buyer_id != user.id:
        abort(404)
    return order


def buyer_group_or_404(group_id: int, user) -> OrderGroup:
    group = db.session.get(OrderGroup, group_id)
    if group is None or group.buyer_id != user.id:
        abort(404)
    return group


def merchant_order_or_404(order_id: int, shop) -> Order:
    return own_or_404(_load(order_id), shop)


def own_address_or_404(address_id: int, user) -> Address:
    address = db.session.get(Address, address_id)
    if address is None or address.user_id != user.id:
        abort(404)
    return address
