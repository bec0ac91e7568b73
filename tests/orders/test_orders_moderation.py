"""A product the platform hid cannot be ordered: not added to a cart, flagged in a cart that holds it,
refused at checkout (nothing placed, no stock taken), by the pages and the services alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import Product, Variant
from catalog.services import moderation as mod
from marketplace.extensions import db
from orders import services
from orders.models import Order


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


def test_hidden_product_cannot_be_added_or_checked_out(client, login, admin, make_user, make_variant, user_cart,
                                                       place):
    buyer = make_user()
    hidden = make_variant(stock=10, direct=False)
    other = make_variant(stock=10)
    cart = user_cart(buyer, [(hidden, 2), (other, 1)])
    mod.hide_product(db.session.get(Product, hidden.product_id), admin, "假冒商品")

    view = services.build_view(cart)
    assert [lv.variant.id for lv in view.lines if lv.problems] == [hidden.id]
    with pytest.raises(services.CartError) as info:
        place(buyer, cart)
    assert info.value.code == "unavailable"
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    db.session.expire_all()
    assert db.session.get(Variant, hidden.id).stock == 10

    login(buyer)
    added = client.post("/cart/add", data={"variant_id": hidden.id, "quantity": 1})
    assert added.status_code in (303, 404)
    assert "商品已下架，请从购物车删除" in client.get("/cart").get_data(as_text=True)
    with pytest.raises(services.CartError):
        services.add_item(hidden.id, 1, cart=cart)
