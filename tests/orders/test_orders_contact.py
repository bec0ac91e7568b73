"""Contact where it matters: each side of an order sees how to reach the other, and only while the
order needs it."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from orders import services
from orders.models import Order


def test_each_side_sees_the_others_contact_on_the_order(app, client, login, make_user, make_shop, make_variant,
                                                        user_cart, place):
    """The buyer sees the shop's phone (to call), address and pickup hours; the shop's staff see the
    buyer's phone while the order needs it, masked after the privacy window."""
    import datetime as dt

    owner = make_user()
    shop = make_shop(owner=owner, phone="0370-3333333", address="梁园区商丘农产品中心批发市场 B-12")
    buyer = make_user(email="laowang@example.com", mobile="+8613903701234")
    group = place(buyer, user_cart(buyer, [(make_variant(shop, stock=5), 1)]), choices={shop.id: "pickup"})
    order = group.orders[0]
    login(buyer)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'href="tel:0370-3333333"' in page and "梁园区商丘农产品中心批发市场 B-12" in page and "联系商家" in page
    client.post("/account/logout")
    login(owner)
    html = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert 'href="tel:+8613903701234"' in html
    services.cancel_by_merchant(order, owner, "缺货")
    db.session.execute(sa.update(Order).where(Order.id == order.id)
                       .values(cancelled_at=utcnow() - dt.timedelta(days=60)))
    db.session.commit()
    later = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert "+8613903701234" not in later and "tel:" not in later.split('class="buyer-contact"')[1][:200]
