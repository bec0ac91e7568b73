"""Fixtures for the trace tests: a category that requires certificates, traced products, batches
recorded through the real service, and orders placed, paid, accepted and handed over through the
orders services (so allocation runs from the real order-status signal)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db as _db

TODAY = dt.date(2026, 9, 20)


@pytest.fixture
def certified_category(app):
    """农产品/水果, flagged as requiring a 承诺达标合格证 per batch."""
    from catalog.categories import find_category, load_categories

    load_categories()
    cat = find_category("农产品/水果")
    cat.requires_certificate = True
    _db.session.commit()
    return cat


@pytest.fixture
def origin(regions):
    """A village of 宁陵县 (the regions table goes down to villages in the city)."""
    from marketplace.regions.models import Region, RegionLevel

    county = _db.session.scalar(sa.select(Region).where(Region.name == "宁陵县", Region.level == RegionLevel.COUNTY))
    village = _db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.VILLAGE,
                                                         Region.code.like(county.code[:6] + "%")).order_by(Region.code))
    return village or county


@pytest.fixture
def traced_variant(make_product, certified_category):
    """traced_variant(shop=None, stock=0, title="宁陵酥梨", unit="公斤") -> a draft product's variant in
    the certificate category (draft: it may not publish before it has a certified batch)."""
    from catalog.models import ProductStatus

    def make(shop=None, *, stock: int = 0, title: str = "宁陵酥梨", unit: str = "公斤"):
        product = make_product(shop, title=title, stock=stock, unit=unit, category=certified_category,
                               status=ProductStatus.DRAFT)
        return product.variants[0]

    return make


@pytest.fixture
def record(origin):
    """record(variant, quantity, days_to_expiry=30, made=TODAY, **fields overriding the form's) -> Batch via trace.batches.record_batch."""
    from trace.batches import record_batch

    def do(variant, quantity, days_to_expiry: int = 30, *, made: dt.date = TODAY, inputs=(), tests=(),
           actor=None, opening: bool = False, **data):
        shop = variant.product.shop
        values = {"variant": variant.id, "produced_on": made.isoformat(), "quantity": str(quantity),
                  "expires_on": (made + dt.timedelta(days=days_to_expiry)).isoformat(), "region": origin,
                  "plot": "3 号园", **data}
        return record_batch(shop, actor or shop.members[0].user, values, list(inputs), list(tests),
                            opening=opening, today=TODAY + dt.timedelta(days=1))

    return do


@pytest.fixture
def on_sale(app):
    """on_sale(variant): certify its batches that have no certificate yet and publish its product
    (the publish guard wants a certified batch with stock)."""
    from catalog.models import ProductStatus
    from catalog.services import publish
    from trace.certificates import issue_certificate
    from trace.models import Batch

    def do(variant):
        actor = variant.product.shop.members[0].user
        for batch in _db.session.scalars(sa.select(Batch).where(Batch.variant_id == variant.id)):
            if batch.certificate is None and batch.status.value == "active":
                issue_certificate(batch, actor)
        if variant.product.status != ProductStatus.PUBLISHED:
            publish(variant.product, actor)
            _db.session.commit()
        return variant

    return do


@pytest.fixture
def buy(app, make_user, on_sale):
    """buy(variant, qty, buyer=None) -> a paid, accepted pickup Order (stock reserved, not yet handed
    over); the product is certified and published first when it is not on sale yet."""
    from catalog import pricing
    from orders import services
    from orders.models import Cart, CartLine

    def do(variant, qty: int, buyer=None):
        on_sale(variant)
        buyer = buyer or make_user()
        cart = _db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
        cart.lines.append(CartLine(variant_id=variant.id, quantity=qty, price_seen_cents=pricing.unit_price(variant, qty)))
        _db.session.add(cart)
        _db.session.commit()
        group = services.place_order(cart, buyer, choices={variant.product.shop_id: "pickup"},
                                     idempotency_key=services.new_idempotency_key())
        order = group.orders[0]
        services.mark_paid(order)
        services.accept(order, order.shop.members[0].user)
        return order

    return do


@pytest.fixture
def hand_over(app):
    """hand_over(order, choices=None): the merchant hands the goods over (ready for pickup): the
    status signal allocates the lines to batches."""
    from orders import services
    from trace.allocation import chosen_batches

    def do(order, choices=None):
        with chosen_batches(choices):
            services.ready_for_pickup(order, order.shop.members[0].user)
        return order

    return do


@pytest.fixture
def ledger(app):
    """ledger(variant_id) -> (sum of the variant's batches' remaining, stock + units its orders not yet
    handed over still hold): the invariant says they are equal."""
    return _ledger


def _ledger(variant_id: int) -> tuple[int, int]:
    from catalog.models import Variant
    from orders.models import Order, OrderLine, OrderStatus
    from orders.terms_models import LineWeighing
    from payments.models import Refund, RefundLine
    from trace.models import Batch

    remaining = _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Batch.remaining), 0))
                                   .where(Batch.variant_id == variant_id))
    stock = _db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))
    open_lines = (sa.select(OrderLine.id).join(Order).where(
        OrderLine.variant_id == variant_id,
        Order.status.in_([OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.ACCEPTED])))
    ordered = _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0))
                                 .where(OrderLine.id.in_(open_lines)))
    # what the open orders gave back before the handover: a weighing's difference, a refund's restock
    weighed = _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LineWeighing.stock_delta), 0))
                                 .where(LineWeighing.order_line_id.in_(open_lines)))
    restocked = _db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(RefundLine.quantity), 0)).join(Refund)
                                   .where(RefundLine.order_line_id.in_(open_lines), Refund.restock.is_(True),
                                          Refund.status.in_(["pending", "succeeded"])))
    return remaining, stock + ordered - weighed - restocked
