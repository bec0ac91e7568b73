"""The buyer's personal data in orders: who sees the delivery contact, his export, his deletion.

Who sees an order's delivery contact (recipient, phone, street) in full:
- the buyer, always (his own data);
- the shop that fulfils it, while the order is open and for ``PRIVACY_CONTACT_WINDOW_DAYS`` (30)
  days after it closed (completed, cancelled or expired: after-sales and returns); masked from then;
- an admin on the order's own page (the view is audit-logged); masked on lists.

On deletion of the buyer's account (refused while one of his orders is open) the address book is
deleted and each order's delivery snapshot is masked at once (张*, 138****5678, the county without
the street): the order keeps its lines, money and history, which is the transaction record the
E-Commerce Law asks to keep for three years, without the contact details nobody needs any more.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from marketplace.db import as_utc, utcnow
from marketplace.extensions import db
from marketplace.privacy.masking import mask_address, mask_name, mask_phone, scrub_text
from marketplace.privacy.registry import Erasure, register_personal_data
from marketplace.regions.models import RegionLevel
from orders.models import Address, Cart, Order, OrderStatus, OrderStatusChange

S = OrderStatus
#: An order in one of these is over: nothing more to deliver.
CLOSED = {S.COMPLETED, S.CANCELLED, S.EXPIRED}


def closed_at(order: Order) -> dt.datetime | None:
    if order.status not in CLOSED:
        return None
    return as_utc(order.completed_at or order.cancelled_at or order.updated_at)


def shop_sees_contact(order: Order, now: dt.datetime | None = None) -> bool:
    """True while the shop needs the buyer's delivery contact: the order is open, or closed less than
    PRIVACY_CONTACT_WINDOW_DAYS ago."""
    closed = closed_at(order)
    if closed is None:
        return True
    days = int(current_app.config.get("PRIVACY_CONTACT_WINDOW_DAYS", 30))
    return (now or utcnow()) < closed + dt.timedelta(days=days)


# --- export -------------------------------------------------------------------------------------

def _iso(value):
    return as_utc(value).isoformat() if isinstance(value, dt.datetime) else value


def export_addresses(user, limit: int) -> list[dict]:
    rows = db.session.scalars(sa.select(Address).where(Address.user_id == user.id).order_by(Address.id).limit(limit))
    return [{"recipient": a.recipient, "phone": a.phone, "province": a.province, "city": a.city_name,
             "county": a.place(RegionLevel.COUNTY), "township": a.place(RegionLevel.TOWNSHIP),
             "village": a.place(RegionLevel.VILLAGE), "street": a.street, "is_default": a.is_default,
             "created_at": _iso(a.created_at)} for a in rows]


def _order(order: Order) -> dict:
    return {
        "number": order.number, "shop": order.shop.name, "status": order.status.value,
        "fulfilment": order.fulfilment.value, "created_at": _iso(order.created_at),
        "delivery": {"recipient": order.ship_recipient, "phone": order.ship_phone, "address": order.ship_address}
        if order.fulfilment.value == "delivery" else None,
        "pickup": {"address": order.pickup_address, "hours": order.pickup_hours, "code": order.pickup_code}
        if order.fulfilment.value == "pickup" else None,
        "note": order.note, "carrier": order.carrier, "tracking_number": order.tracking_number,
        "subtotal_cents": order.subtotal_cents, "fee_cents": order.fee_cents, "total_cents": order.total_cents,
        "lines": [{"product": ln.product_title, "variant": ln.variant_name, "unit": ln.unit, "quantity": ln.quantity,
                   "unit_price_cents": ln.unit_price_cents, "line_total_cents": ln.line_total_cents}
                  for ln in order.lines],
        # who moved it is left out: the shop's staff are other people
        "history": [{"status": h.to_status.value, "at": _iso(h.created_at), "note": h.note} for h in order.history],
    }


def export_orders(user, limit: int) -> list[dict]:
    orders = db.session.scalars(sa.select(Order).where(Order.buyer_id == user.id).order_by(Order.id).limit(limit)
                                .options(selectinload(Order.lines), selectinload(Order.history),
                                         joinedload(Order.shop)))
    return [_order(o) for o in orders.unique()]


# --- deletion -----------------------------------------------------------------------------------

def open_orders_block(user) -> str | None:
    count = db.session.scalar(sa.select(sa.func.count(Order.id)).where(
        Order.buyer_id == user.id, Order.status.not_in(CLOSED))) or 0
    if not count:
        return None
    return _("您还有 %(n)d 个未完成的订单（待付款、进行中或待收货）：请等订单完成或取消后再注销账号。", n=count)


def erase_orders(erasure: Erasure) -> None:
    """Delete the address book and the cart; mask the delivery snapshot and notes of his orders."""
    user = erasure.user
    for address in db.session.scalars(sa.select(Address).where(Address.user_id == user.id)):
        erasure.found(address.phone)
        db.session.delete(address)
    db.session.execute(sa.delete(Cart).where(Cart.user_id == user.id))
    orders = db.session.scalars(sa.select(Order).where(Order.buyer_id == user.id))
    for order in orders:
        erasure.found(order.ship_phone)
        order.ship_recipient = mask_name(order.ship_recipient)
        order.ship_phone = mask_phone(order.ship_phone)
        order.ship_address = mask_address(order.ship_address)
        order.note = scrub_text(order.note or "")
    for change in db.session.scalars(sa.select(OrderStatusChange).join(Order).where(Order.buyer_id == user.id)):
        change.note = scrub_text(change.note or "")


def register(app) -> None:
    register_personal_data(app, "addresses", _l("收货地址"), export=export_addresses)
    register_personal_data(app, "orders", _l("订单（含商品明细）"), export=export_orders, erase=erase_orders,
                           blocks=open_orders_block)
