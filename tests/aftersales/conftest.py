"""After-sales fixtures: the payments suite's (orders placed through the real services, the ledger
checked after every test) and an order the buyer has received."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from orders import services
from tests.payments.conftest import (  # noqa: F401  (fixtures shared with the payments suite)
    app_config,
    authenticate,
    card_token,
    connect_fake,
    ledger_balanced,
    localstripe,
    make_group,
    paid_group,
    post_event,
)


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def received(make_group, make_variant):  # noqa: F811
    """received(qty=5, stock=20, price=1000, deliver=True, shop=None) -> an order paid in cash, accepted and
    handed over: the buyer holds the goods. Its owner is ``order.shop.members[0].user``."""

    def make(qty: int = 5, stock: int = 20, price: int = 1000, deliver: bool = True, shop=None):
        variant = make_variant(shop, unit="箱", price=price, stock=stock, direct=False)
        order = make_group(items=[(variant, qty)]).orders[0]
        owner = order.shop.members[0].user
        services.mark_paid(order, owner, "cash")
        services.accept(order, owner)
        if deliver:
            services.ready_for_pickup(order, owner)
            services.mark_delivered(order, owner)
        return order

    return make


def photo_bytes(colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()
