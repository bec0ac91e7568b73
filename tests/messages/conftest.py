"""Messages fixtures: a buyer and a published product of a shop, images, and orders placed through
the real services (the orders suite's fixtures)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.orders.conftest import place, placed_order, user_cart  # noqa: F401  (shared fixtures)


def photo_bytes(colour=(200, 40, 40), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def scene(make_user, make_shop, make_product):
    """A buyer, a shop (its owner and a staff member) and one of its published products."""
    from marketplace.accounts.models import Role
    from marketplace.extensions import db
    from marketplace.shops.models import ShopMember

    shop = make_shop(name="柘城辣椒合作社")
    staff = make_user(name="店员小王")
    shop.members.append(ShopMember(user=staff, role=Role.SHOP_STAFF))
    db.session.commit()
    product = make_product(shop, title="朝天椒")

    class Scene:
        pass

    s = Scene()
    s.buyer, s.shop, s.owner, s.staff, s.product = make_user(name="买家老李"), shop, shop.members[0].user, staff, product
    return s


@pytest.fixture
def as_user(app):
    """as_user(user) -> a test client signed in as ``user`` (each its own cookies)."""

    def make(user):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return make
