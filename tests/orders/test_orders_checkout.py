"""Placing orders: one group, one order per shop, server-side prices, stock, idempotency, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from catalog.models import ProductStatus, StockMovement, Variant
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from orders import services
from orders.models import (
    Fulfilment,
    OrderGroup,
    OrderStatus,
    OrderStatusChange,
    ShopDeliveryRule,
    ShopDeliveryZone,
)


def stock_of(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def test_two_shops_one_group_with_tier_prices_and_fees(make_user, make_shop, make_variant, user_cart, place,
                                                        make_address):
    buyer = make_user()
    shop_a, shop_b = make_shop(), make_shop(county="宁陵县")
    a = make_variant(shop_a, price=1200, stock=50, tiers=((10, 1100), (50, 1000)))
    b = make_variant(shop_b, price=500, stock=20)
    db.session.add(ShopDeliveryRule(shop_id=shop_a.id, zones=[
        ShopDeliveryZone(region=shop_a.region, fee_cents=800, free_above_cents=100_000)]))
    db.session.commit()
    address = make_address(buyer, "柘城县")
    cart = user_cart(buyer, [(a, 10), (b, 3)])
    group = place(buyer, cart, choices={shop_a.id: "delivery", shop_b.id: "pickup"}, address=address)

    assert len(group.orders) == 2
    order_a = next(o for o in group.orders if o.shop_id == shop_a.id)
    order_b = next(o for o in group.orders if o.shop_id == shop_b.id)
    assert order_a.fulfilment == Fulfilment.DELIVERY and order_b.fulfilment == Fulfilment.PICKUP
    assert order_a.lines[0].unit_price_cents == 1100 and order_a.lines[0].tier_min_quantity == 10
    assert order_a.subtotal_cents == 11_000 and order_a.fee_cents == 800 and order_a.total_cents == 11_800
    assert order_b.subtotal_cents == 1500 and order_b.fee_cents == 0
    assert order_b.pickup_address.startswith("城关镇")
    assert "柘城县" in order_a.ship_address and order_a.ship_recipient == "张三"
    assert group.total_cents == 11_800 + 1500
    assert all(o.status == OrderStatus.PENDING_PAYMENT for o in group.orders)
    assert stock_of(a.id) == 40 and stock_of(b.id) == 17
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement)
                             .where(StockMovement.kind == "order")) == 2
    # the ordered lines left the cart; history starts with the placement
    db.session.expire_all()
    assert services.build_view(cart).is_empty
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderStatusChange)) == 2
    # e-mails: one to the buyer, one to each shop's owner
    templates = sorted(m.template for m in db.session.scalars(sa.select(OutboxMessage)))
    assert templates == ["order_new", "order_new", "order_placed"]


def test_free_delivery_above_threshold_and_per_kg_fee(make_user, make_shop, make_variant, user_cart, place,
                                                      make_address):
    buyer = make_user()
    shop = make_shop()
    v = make_variant(shop, price=300, stock=500, unit="斤")
    db.session.add(ShopDeliveryRule(shop_id=shop.id, zones=[
        ShopDeliveryZone(region=shop.region, fee_mode="per_kg", fee_cents=50, free_above_cents=10_000)]))
    db.session.commit()
    address = make_address(buyer)
    group = place(buyer, user_cart(buyer, [(v, 5)]), choices={shop.id: "delivery"}, address=address)
    assert group.orders[0].fee_cents == 50 * 3  # 5 斤 = 2.5 kg -> 3 started kilograms
    group2 = place(buyer, user_cart(buyer, [(v, 40)]), choices={shop.id: "delivery"}, address=address)
    assert group2.orders[0].fee_cents == 0  # 40 x 3.00 = 120.00 >= 100.00


def test_shop_that_cannot_deliver_there_is_refused_with_reason(make_user, make_shop, make_variant, user_cart,
                                                               place, make_address):
    buyer = make_user()
    shop = make_shop(county="柘城县")
    v = make_variant(shop, stock=5)
    address = make_address(buyer, "永城市")
    cart = user_cart(buyer, [(v, 1)])
    with pytest.raises(services.CartError) as info:
        place(buyer, cart, choices={shop.id: "delivery"}, address=address)
    assert info.value.code == "cannot_fulfil" and "永城市" in str(info.value) and "柘城县" in str(info.value)
    assert stock_of(v.id) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0
    # pickup needs no address and works
    group = place(buyer, cart, choices=None)
    assert group.orders[0].fulfilment == Fulfilment.PICKUP


def test_same_idempotency_key_twice_gives_one_group(make_user, make_variant, user_cart, place):
    buyer = make_user()
    v = make_variant(stock=10)
    cart = user_cart(buyer, [(v, 2)])
    first = place(buyer, cart, key="checkout-key-0001")
    user_cart(buyer, [(v, 3)])
    second = place(buyer, cart, key="checkout-key-0001")
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 1
    assert stock_of(v.id) == 8


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "bad key with spaces", 12345678])
def test_bad_idempotency_key_refused(make_user, make_variant, user_cart, key):
    buyer = make_user()
    v = make_variant(stock=10)
    cart = user_cart(buyer, [(v, 2)])
    with pytest.raises(services.CartError):
        services.place_order(cart, buyer, choices=None, idempotency_key=key)
    assert stock_of(v.id) == 10


def test_hidden_product_is_flagged_and_refused(make_user, make_variant, user_cart, place):
    buyer = make_user()
    v = make_variant(stock=10)
    other = make_variant(stock=10)
    cart = user_cart(buyer, [(v, 2), (other, 1)])
    v.product.status = ProductStatus.HIDDEN
    db.session.commit()
    view = services.build_view(cart)
    flagged = [lv for lv in view.lines if lv.problems]
    assert [lv.variant.id for lv in flagged] == [v.id]
    with pytest.raises(services.CartError) as info:
        place(buyer, cart)
    assert info.value.code == "unavailable"
    assert stock_of(other.id) == 10 and len(services.build_view(cart).lines) == 2


def test_repriced_line_is_flagged_then_accepted_on_resubmit(make_user, make_variant, user_cart, place):
    buyer = make_user()
    v = make_variant(price=1000, stock=10)
    cart = user_cart(buyer, [(v, 2)])
    v.price_cents = 1300
    db.session.commit()
    view = services.build_view(cart)
    assert view.lines[0].repriced_from_cents == 1000 and view.lines[0].unit_price_cents == 1300
    with pytest.raises(services.CartError) as info:
        place(buyer, cart, key="reprice-key-01")
    assert info.value.code == "price_changed"
    assert stock_of(v.id) == 10
    group = place(buyer, cart, key="reprice-key-01")
    assert group.orders[0].total_cents == 2600


def _two_lines(make_user, make_shop, make_variant, user_cart):
    """A buyer whose cart holds 2 of ``a`` and 5 of ``b``, one shop's, 10 of each in stock."""
    buyer = make_user()
    shop = make_shop()
    a = make_variant(shop, stock=10)
    b = make_variant(shop, stock=10)
    return buyer, a, b, user_cart(buyer, [(a, 2), (b, 5)])


def test_out_of_stock_at_placement_changes_nothing(make_user, make_shop, make_variant, user_cart, place):
    buyer, a, b, cart = _two_lines(make_user, make_shop, make_variant, user_cart)
    db.session.execute(sa.update(Variant).where(Variant.id == b.id).values(stock=3))
    db.session.commit()
    with pytest.raises(services.CartError) as info:
        place(buyer, cart)
    assert info.value.code in ("out_of_stock", "unavailable")
    assert stock_of(a.id) == 10 and stock_of(b.id) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0


def _squeezed_checkout(buyer, cart, short, key: str):
    """Place the cart while ``short``'s stock falls to 4 just before the reservation (a buyer elsewhere
    took it): the CartError's pytest info."""
    from catalog.services import stock
    from orders import checkout

    real = stock.reserve_many

    def squeeze(quantities, **kw):
        db.session.execute(sa.update(Variant).where(Variant.id == short.id).values(stock=4))
        return real(quantities, **kw)

    checkout.reserve_many = squeeze
    try:
        with pytest.raises(services.CartError) as info:
            services.place_order(cart, buyer, choices=None, idempotency_key=key)
    finally:
        checkout.reserve_many = real
    return info


def test_out_of_stock_race_rolls_back_every_line(app, make_user, make_shop, make_variant, user_cart):
    """Stock vanishes between the cart check and the reservation: the conditional UPDATE catches it."""
    buyer, a, b, cart = _two_lines(make_user, make_shop, make_variant, user_cart)
    info = _squeezed_checkout(buyer, cart, b, "race-key-0001")
    assert info.value.code == "out_of_stock"
    assert stock_of(a.id) == 10  # the squeeze itself was rolled back too: all or nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0
    assert len(services.build_view(cart).lines) == 2


def test_a_checkout_after_a_rolled_back_one_answers_its_own_rows(app, make_user, make_shop, make_variant, user_cart):
    """The group and orders are written with INSERT ... RETURNING into the session. A checkout rolled back
    at the reservation leaves its objects behind under ids SQLite hands out again: the next checkout in the
    same session must answer with its own rows, not those."""
    buyer = make_user()
    a = make_variant(make_shop(), stock=10, price=1000)
    b = make_variant(make_shop(), stock=10, price=2000)
    cart = user_cart(buyer, [(a, 2), (b, 5)])
    assert _squeezed_checkout(buyer, cart, b, "rolled-back-0001").value.code == "out_of_stock"
    # the buyer changes his cart (the real line edits) and checks out again, in the same session
    lines = {ln.variant_id: ln for ln in services.build_view(cart).cart.lines}
    services.remove_line(lines[b.id].id, cart=cart)
    services.set_quantity(lines[a.id].id, 1, cart=cart)
    group = services.place_order(cart, buyer, choices=None, idempotency_key="second-try-0001")
    assert group.idempotency_key == "second-try-0001" and group.subtotal_cents == 1000
    assert [(o.shop_id, [(ln.variant_id, ln.quantity) for ln in o.lines]) for o in group.orders] == [
        (a.product.shop_id, [(a.id, 1)])]
    db.session.expire_all()
    stored = db.session.get(OrderGroup, group.id)
    assert stored.idempotency_key == "second-try-0001" and len(stored.orders) == 1
    assert stock_of(a.id) == 9 and stock_of(b.id) == 10


def test_expiry_returns_stock_and_mails(app, placed_order):
    buyer, order, variant = placed_order(qty=4, stock=10)
    assert stock_of(variant.id) == 6
    assert services.expire_overdue() == 0
    later = utcnow() + dt.timedelta(minutes=app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"] + 1)
    assert services.expire_overdue(now=later) == 1
    db.session.expire_all()
    assert order.status == OrderStatus.EXPIRED and stock_of(variant.id) == 10
    assert services.expire_overdue(now=later) == 0  # not twice
    assert stock_of(variant.id) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement)
                             .where(StockMovement.kind == "order_expired")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.template == "order_cancelled")) == 2


def test_paid_order_does_not_expire(app, placed_order):
    buyer, order, variant = placed_order(qty=4, stock=10)
    services.mark_paid(order.group, actor=None, note="offline")
    later = utcnow() + dt.timedelta(hours=2)
    assert services.expire_overdue(now=later) == 0
    assert stock_of(variant.id) == 6


def test_lazy_expiry_on_order_list(app, client, login, placed_order):
    buyer, order, variant = placed_order(qty=4, stock=10)
    order.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    login(buyer)
    assert client.get("/orders").status_code == 200
    assert stock_of(variant.id) == 10


def test_auto_complete_delivered(app, placed_order, make_user):
    buyer, order, variant = placed_order()
    services.mark_paid(order, None)
    services.accept(order, None)
    services.ready_for_pickup(order, None)
    services.mark_delivered(order, None)
    assert services.complete_delivered() == 0
    later = utcnow() + dt.timedelta(days=app.config["ORDER_AUTO_COMPLETE_DAYS"], minutes=1)
    assert services.complete_delivered(now=later) == 1
    db.session.expire_all()
    assert order.status == OrderStatus.COMPLETED


def test_selling_the_last_unit_turns_the_listing_out_of_stock(make_user, make_variant, user_cart, place):
    buyer = make_user()
    last, plenty = make_variant(stock=3), make_variant(stock=5)
    place(buyer, user_cart(buyer, [(last, 3), (plenty, 2)]))
    db.session.expire_all()
    assert last.stock == 0 and last.product.in_stock is False
    assert plenty.stock == 3 and plenty.product.in_stock is True
