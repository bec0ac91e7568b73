"""Refunds are seen by everyone they concern: listed on the buyer's, the merchant's and the admin's
order page, and the buyer is told by mail (or SMS) each time, in his language; a weighing's refund is
told once, by the weighing's own notice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from orders import services, weighing
from payments import refunds


@pytest.fixture
def stripe_keys():
    return False


def _mails(template: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == template)))


def test_a_refund_is_on_every_order_page_and_mailed_to_the_buyer(make_group, make_user, login, client):
    group = make_group()
    order = group.orders[0]
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    order.buyer.locale = "en"
    db.session.commit()
    refunds.refund_order(order, owner, amount_cents=500, reason="少发一件")
    (mail,) = _mails("order_refunded")
    assert mail.to_addr == order.buyer.email and "CN¥5.00" in mail.subject and "少发一件" in mail.body_text
    assert "given the money back to you itself" in mail.body_text  # paid in cash: refunded in cash

    login(order.buyer)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'class="order-refund"' in page and "CN¥5.00" in page and "Refunded" in page
    client.post("/account/logout")
    login(owner)
    assert "少发一件" in client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    client.post("/account/logout")
    login(make_user(roles=("admin",)))
    admin = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert 'class="order-refund"' in admin and "少发一件" in admin and "payment-slip" not in admin


def test_a_weighed_shortfall_is_told_once(make_variant, make_group):
    variant = make_variant(unit="斤", price=600, stock=100, direct=False)
    order = make_group(items=[(variant, 20)]).orders[0]
    owner = order.shop.members[0].user
    services.mark_paid(order, owner, "cash")
    services.accept(order, owner)
    weighing.record_weight(order, order.lines[0].id, "19.4", owner)
    assert len(_mails("order_weighed")) == 1 and _mails("order_refunded") == []
