"""Placing an order: one checkout -> one order group with one order per shop, all or nothing.

Every price, tier, fee and total is recomputed here from the database; the request only says which
cart, which address and delivery or pickup per shop. Stock is reserved by atomic conditional
updates in ascending variant order. The idempotency key is unique per buyer: a double submit or a
retried request returns the group the first one created.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from catalog.services.stock import StockShort, record_movements, reserve_many, short_of
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.faults import crash_point
from orders import cart as carts
from orders.cart import CartError
from orders.cart_view import read_view
from orders.delivery import delivery_fee, pickup_place, refusal, zone_for
from orders.models import (
    Address,
    Cart,
    CartLine,
    Fulfilment,
    Order,
    OrderGroup,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
)
from orders.weighing import is_weight_unit, line_tolerances

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(18)


def check_key(key) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise CartError(_("缺少或无效的幂等键（8–64 个字母、数字或 -_.:）"), code="invalid_idempotency_key")
    return key


@functools.cache
def _group_by_key():
    return db.select(OrderGroup).where(OrderGroup.buyer_id == sa.bindparam("buyer_id"),
                                       OrderGroup.idempotency_key == sa.bindparam("key"))


def existing_group(buyer, key: str) -> OrderGroup | None:
    return db.session.scalar(_group_by_key(), {"buyer_id": buyer.id, "key": key})


def own_address(buyer, address_id) -> Address:
    aid = carts.parse_id(address_id)
    address = db.session.get(Address, aid) if aid else None
    if address is None or address.user_id != buyer.id:
        raise CartError(_("收货地址不存在"), status=404, code="not_found")
    return address


def parse_choices(raw: dict | None, shop_ids) -> dict[int, Fulfilment]:
    """{shop_id: "delivery"|"pickup"} for the shops in the cart; a shop not named gets pickup.

    Keys naming shops that are not in the cart are ignored: the request cannot add a shop.
    """
    raw = raw or {}
    if not isinstance(raw, dict):
        raise CartError(_("配送方式格式不正确"), code="invalid_fulfilment")
    named = {str(k): v for k, v in raw.items()}
    choices = {}
    for shop_id in shop_ids:
        value = named.get(str(shop_id), Fulfilment.PICKUP.value)
        try:
            choices[shop_id] = Fulfilment(value)
        except ValueError:
            raise CartError(_("配送方式只能是配送或自提"), code="invalid_fulfilment") from None
    return choices


def quote(view, choices: dict[int, Fulfilment], address: Address | None):
    """Per shop: (group, fulfilment, fee, refusal reason or None). Used by the page and placement."""
    rows = []
    for group in view.groups:
        fulfilment = choices.get(group.shop.id, Fulfilment.PICKUP)
        reason = refusal(group.rule, group.shop, fulfilment, address)
        zone = zone_for(group.rule, address.region) if address is not None and not reason else None
        fee = 0 if reason else delivery_fee(zone, fulfilment, group.subtotal_cents, group.quantity, group.grams)
        rows.append((group, fulfilment, fee, reason))
    return rows


def place_order(cart: Cart | None, buyer, *, choices: dict | None, address_id=None, idempotency_key,
                note: str = "", key_looked_up: bool = False) -> OrderGroup:
    """Create the order group from the cart, reserve stock, empty the ordered lines, in one transaction.

    ``key_looked_up``: the caller has just called existing_group() with this key and found nothing
    (spares the same query again).
    ``cart`` None: the buyer's own cart, read with everything the order needs in one statement (the
    JSON API spares the query that finds it).
    Raises CartError (nothing changed) when the cart is empty or has unavailable lines, a price
    changed since the buyer saw it (the new prices are then acknowledged so a resubmit goes
    through), a shop cannot fulfil the choice, or stock ran out.
    """
    key = check_key(idempotency_key)
    found = None if key_looked_up else existing_group(buyer, key)
    if found is not None:
        return found
    try:
        return _place(cart, buyer, choices, address_id, key, note)
    except CartError:
        # A twin submit with the same key may have won meanwhile (emptying the cart or taking
        # the stock): its group is the answer to this request too. (Nothing to roll back: the
        # checks write nothing and the writes ran in atomic(), which rolled them back.)
        found = existing_group(buyer, key)
        if found is not None:
            return found
        raise


def _place(cart, buyer, choices, address_id, key: str, note: str) -> OrderGroup:
    if cart is not None and cart.user_id != buyer.id:
        raise CartError(_("购物车是空的"), code="empty_cart")
    view = read_view(("id", cart.id) if cart is not None else ("user_id", buyer.id), cart)
    _refuse_unless_orderable(view, cart)
    shop_ids = [grp.shop.id for grp in view.groups]
    choice = parse_choices(choices, shop_ids)
    address = None
    if address_id not in (None, "") or any(f == Fulfilment.DELIVERY for f in choice.values()):
        address = own_address(buyer, address_id) if address_id not in (None, "") else None
    quoted = quote(view, choice, address)
    reasons = [reason for *_rest, reason in quoted if reason]
    if reasons:
        raise CartError("；".join(reasons), status=422, code="cannot_fulfil")

    now = utcnow()
    timeout = dt.timedelta(minutes=current_app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"])
    quantities: dict[int, int] = {}
    for lv in view.lines:
        quantities[lv.variant.id] = quantities.get(lv.variant.id, 0) + lv.quantity
    tolerances = line_tolerances(view.lines)  # sold by weight: the tolerance the buyer accepts here
    subtotal = sum(shop_group.subtotal_cents for shop_group, *_x in quoted)
    fees = sum(fee for _g, _f, fee, _r in quoted)
    try:
        # Kept loaded: the answer is built from the rows just written (see the expiry below).
        with carts.atomic_keeping_loaded():
            # The group, then its orders, each as one INSERT ... RETURNING (not the unit of work's
            # flush); the unique (buyer, key) refuses a concurrent twin at the first.
            group = db.session.scalars(
                sa.insert(OrderGroup).returning(OrderGroup),
                [{"buyer_id": buyer.id, "idempotency_key": key, "subtotal_cents": subtotal, "fee_cents": fees,
                  "total_cents": subtotal + fees, "created_at": now, "expires_at": now + timeout}]).one()
            orders = db.session.scalars(
                sa.insert(Order).returning(Order, sort_by_parameter_order=True),
                [_order_row(group, buyer, shop_group, fulfilment, fee, address, note, index, now)
                 for index, (shop_group, fulfilment, fee, _r) in enumerate(quoted, start=1)]).all()
            for order, (shop_group, *_x) in zip(orders, quoted, strict=True):
                set_committed_value(order, "shop", shop_group.shop)  # known already: the answer needs no query
            set_committed_value(group, "orders", orders)
            # Lines and history as one INSERT ... RETURNING each: the statement count does not grow with
            # the cart, and the answer needs no query to read them back.
            taken_by: dict[int, int] = {}
            line_rows = []
            for order, (shop_group, *_x) in zip(orders, quoted, strict=True):
                for lv in shop_group.lines:
                    line_rows.append({
                        "order_id": order.id, "variant_id": lv.variant.id, "product_id": lv.product.id,
                        "product_title": lv.product.title, "variant_name": lv.variant.name, "unit": lv.variant.unit,
                        "quantity": lv.quantity, "unit_price_cents": lv.unit_price_cents,
                        "base_price_cents": lv.variant.price_cents, "tier_min_quantity": lv.tier_min_quantity,
                        "line_total_cents": lv.line_total_cents, "weight_grams": lv.variant.weight_grams,
                        "weigh_tolerance_bp": (terms.tolerance_bp if (terms := tolerances.get(lv.product.shop_id))
                                               and is_weight_unit(lv.variant.unit) else None),
                        "weigh_charges_over": bool(terms and terms.charge_over and is_weight_unit(lv.variant.unit))})
                    taken_by[lv.variant.id] = order.id
            lines = db.session.scalars(sa.insert(OrderLine).returning(OrderLine), line_rows).all()
            history = db.session.scalars(sa.insert(OrderStatusChange).returning(OrderStatusChange), [
                {"order_id": o.id, "from_status": None, "to_status": OrderStatus.PENDING_PAYMENT, "actor_id": buyer.id,
                 "note": "", "created_at": now} for o in orders]).all()
            for order in orders:
                set_committed_value(order, "lines", sorted((ln for ln in lines if ln.order_id == order.id),
                                                           key=lambda ln: ln.id))
                set_committed_value(order, "history", [h for h in history if h.order_id == order.id])
            record_movements(quantities, -1, "order", taken_by, buyer.id)
            db.session.execute(sa.delete(CartLine).where(CartLine.cart_id == view.lines[0].line.cart_id,
                                                         CartLine.variant_id.in_(list(quantities)))
                               .execution_options(synchronize_session=False))
            from orders.notify import notify_placed

            notify_placed(group)
            db.session.flush()
            # Stock last, then commit at once: the hot variant rows stay locked for the reservation and
            # the commit only, not for everything above. (The rows above reference the variants, which
            # takes KEY SHARE locks on them; the reservation's FOR NO KEY UPDATE does not conflict with
            # those, so inserting first cannot deadlock.)
            reserve_many(quantities)
            crash_point("checkout.reserved")  # tests: the machine dies between the reservation and the commit
    except IntegrityError:  # rolled back by atomic()
        found = existing_group(buyer, key)
        if found is None:
            raise
        return found
    except StockShort:  # rolled back by atomic(): the rows decremented before the short one too
        short = short_of(quantities)
        names = "、".join(lv.product.title for lv in view.lines if lv.variant.id in short)
        raise CartError(_("库存不足，以下商品已被抢购：%(names)s。请调整数量后再提交", names=names), status=409,
                        code="out_of_stock", variants=short) from None
    # What the committed transaction changed behind the ORM (Core UPDATE/DELETE) is read again if
    # asked for; the group, its orders, lines and history are what was just written.
    if cart is not None:
        db.session.expire(cart, ["lines"])
    for lv in view.lines:
        db.session.expire(lv.line)
        db.session.expire(lv.variant, ["stock"])
        db.session.expire(lv.product, ["in_stock"])
    return group


def _refuse_unless_orderable(view, cart) -> None:
    """CartError when the cart is empty, has lines that cannot be bought, or prices changed since the
    buyer saw them (which are then acknowledged, so that a resubmit goes through)."""
    if view.is_empty:
        raise CartError(_("购物车是空的"), code="empty_cart")
    if view.problems:
        names = "、".join(lv.product.title for lv in view.problems)
        raise CartError(_("以下商品暂时无法购买，请修改或删除后再结算：%(names)s", names=names), status=409,
                        code="unavailable", lines=[lv.line.id for lv in view.problems])
    if view.repriced:
        names = "、".join(lv.product.title for lv in view.repriced)
        carts.acknowledge_prices(cart, [lv.line for lv in view.lines])
        raise CartError(_("以下商品的价格已变动，请确认新价格后再提交：%(names)s", names=names), status=409,
                        code="price_changed", lines=[lv.line.id for lv in view.repriced])


def _order_row(group, buyer, shop_group, fulfilment, fee, address, note, index, now) -> dict:
    """The values of the order of one shop of the group."""
    shop, rule = shop_group.shop, shop_group.rule
    subtotal = shop_group.subtotal_cents
    row = {"group_id": group.id, "buyer_id": buyer.id, "shop_id": shop.id,
           "number": f"{now:%Y%m%d}-{group.id:06d}-{index}", "status": OrderStatus.PENDING_PAYMENT,
           "fulfilment": fulfilment, "subtotal_cents": subtotal, "fee_cents": fee, "total_cents": subtotal + fee,
           "note": (note or "")[:300], "created_at": now, "updated_at": now, "expires_at": group.expires_at,
           "ship_recipient": "", "ship_phone": "", "ship_address": "", "ship_region_id": None,
           "pickup_address": "", "pickup_hours": ""}
    if fulfilment == Fulfilment.DELIVERY:
        row.update(ship_recipient=address.recipient, ship_phone=address.phone,
                   ship_address=address.one_line()[:300], ship_region_id=address.region_id)
    else:
        row.update(pickup_address=pickup_place(rule, shop)[:200], pickup_hours=(rule.pickup_hours or "")[:120])
    return row
