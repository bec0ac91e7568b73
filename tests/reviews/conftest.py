"""Reviews fixtures: orders placed, paid in cash, accepted and handed over through the orders
services (the buyer holds the goods), and small photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from orders import services
from tests.orders.conftest import place, user_cart  # noqa: F401  (fixtures shared with the orders suite)


@pytest.fixture
def delivered(make_user, make_variant, user_cart, place):  # noqa: F811
    """delivered(lines=1, shop=None, buyer=None, deliver=True) -> (buyer, order): a pickup order of
    ``lines`` products, paid in cash, accepted and (``deliver``) handed over. The shop's owner is
    ``order.shop.members[0].user``."""

    def make(lines: int = 1, shop=None, buyer=None, deliver: bool = True, products=None):
        buyer = buyer or make_user()
        variants = [p.variants[0] for p in products] if products else []
        for _ in range(lines - len(variants)):
            variants.append(make_variant(shop, stock=50))
            shop = shop or variants[0].product.shop
        cart = user_cart(buyer, [(v, 2) for v in variants])
        group = place(buyer, cart, choices={variants[0].product.shop_id: "pickup"})
        order = group.orders[0]
        owner = order.shop.members[0].user
        services.mark_paid(order, owner, "cash")
        services.accept(order, owner)
        if deliver:
            services.ready_for_pickup(order, owner)
            services.mark_delivered(order, owner)
        return buyer, order

    return make


def photo_bytes(colour=(200, 40, 40), fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format=fmt)
    return out.getvalue()
