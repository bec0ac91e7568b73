"""Fixtures for the orders tests: products with variants and tiers, buyers with carts, orders."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from catalog.models import Category, PriceTier, Product, ProductStatus, Variant
from marketplace.extensions import db as _db
from marketplace.regions.models import Region, RegionLevel

_n = itertools.count(1)


def county(name: str) -> Region:
    return _db.session.scalar(sa.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY))


@pytest.fixture(name="county")
def county_fixture(regions):
    """county("睢县") -> the Region row."""
    return county


@pytest.fixture
def category(app):
    cat = Category(code=f"test.cat{next(_n)}", name="测试分类", path=f"测试/分类{next(_n)}")
    _db.session.add(cat)
    _db.session.commit()
    return cat


@pytest.fixture
def make_variant(app, make_shop, category):
    """make_variant(shop=None, price=1000, stock=100, moq=1, step=1, tiers=((10, 900),), unit="件") -> Variant."""

    def make(shop=None, *, price: int = 1000, stock: int = 100, moq: int = 1, step: int = 1, tiers=(),
             unit: str = "件", weight_grams: int | None = None, title: str | None = None,
             status: ProductStatus = ProductStatus.PUBLISHED) -> Variant:
        shop = shop or make_shop()
        n = next(_n)
        product = Product(shop_id=shop.id, category_id=category.id, code=f"P{n}", title=title or f"商品{n}",
                          status=status, min_price_cents=price, in_stock=stock > 0)
        variant = Variant(name=f"规格{n}", unit=unit, price_cents=price, stock=stock, moq=moq, step=step,
                          weight_grams=weight_grams)
        for min_q, cents in tiers:
            variant.tiers.append(PriceTier(min_quantity=min_q, unit_price_cents=cents))
        product.variants.append(variant)
        _db.session.add(product)
        _db.session.commit()
        return variant

    return make


@pytest.fixture
def make_address(app, regions):
    from orders.models import Address

    def make(user, county_name: str = "柘城县", default: bool = True) -> Address:
        address = Address(user_id=user.id, recipient="张三", phone="13800000000", region_id=county(county_name).id,
                          street="人民路 8 号", is_default=default)
        _db.session.add(address)
        _db.session.commit()
        return address

    return make


@pytest.fixture
def user_cart(app):
    """user_cart(user, [(variant, qty), ...]) -> Cart (built directly, prices as seen now)."""
    from catalog import pricing
    from orders.models import Cart, CartLine

    def make(user, items) -> Cart:
        cart = _db.session.scalar(sa.select(Cart).where(Cart.user_id == user.id)) or Cart(user_id=user.id)
        for variant, qty in items:
            cart.lines.append(CartLine(variant_id=variant.id, quantity=qty,
                                       price_seen_cents=pricing.unit_price(variant, qty)))
        _db.session.add(cart)
        _db.session.commit()
        return cart

    return make


@pytest.fixture
def place(app):
    """place(user, cart, choices=None, address=None, key=None) -> OrderGroup via the real service."""
    from orders import services

    def do(user, cart, choices=None, address=None, key=None):
        return services.place_order(cart, user, choices=choices, address_id=address.id if address else None,
                                    idempotency_key=key or services.new_idempotency_key())

    return do


@pytest.fixture
def placed_order(make_user, make_variant, user_cart, place):
    """A pickup order awaiting payment: (buyer, order, variant)."""

    def make(qty: int = 2, stock: int = 10, shop=None, fulfilment: str = "pickup", address=None):
        buyer = make_user()
        variant = make_variant(shop, stock=stock)
        cart = user_cart(buyer, [(variant, qty)])
        group = place(buyer, cart, choices={variant.product.shop_id: fulfilment}, address=address)
        return buyer, group.orders[0], variant

    return make
