"""Fixtures for the orders tests: buyers with carts and addresses, orders (products come from the
suite's ``make_variant``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db as _db
from marketplace.regions.models import Region, RegionLevel


def county(name: str) -> Region:
    """A county of the city (Shangqiu, 4114) by name."""
    return _db.session.scalar(sa.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY,
                                                      Region.code.like("4114%")))


def pick(region: Region) -> list[str]:
    """The picker's values that choose ``region``: its ids from the province down."""
    from marketplace.regions.services import ancestors

    return [str(r.id) for r in ancestors(region) if r.level != RegionLevel.COUNTRY]


@pytest.fixture(name="county")
def county_fixture(regions):
    """county("睢县") -> the Region row."""
    return county


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


@pytest.fixture
def token_for(app):
    """``token_for(user)``: the Authorization header of a new personal API token of ``user``."""
    from marketplace.accounts.models import ApiToken
    from marketplace.security import hash_token, new_token

    def make(user) -> dict:
        token = new_token()
        _db.session.add(ApiToken(user_id=user.id, name="test", token_hash=hash_token(token), prefix=token[:8]))
        _db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
