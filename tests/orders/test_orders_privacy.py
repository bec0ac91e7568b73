"""Who reads a buyer's delivery contact in full, page by page and in the JSON and CSV:
the buyer always; the shop while the order is open and 30 days after it closed; an admin on the
order's own page (audit-logged), masked on the list. Each case checks the masked form is there and
the full value is not."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.admin.models import AuditEntry
from marketplace.db import utcnow
from orders.models import OrderStatus

PHONE, MASKED_PHONE = "13800000000", "138****0000"
STREET = "人民路 8 号"
MASKED_ADDRESS = "河南省 商丘市 柘城县 ****"


@pytest.fixture
def delivery_order(make_user, make_address, make_variant, user_cart, place):
    buyer = make_user(email="buyer.private@example.com", name="张三")
    variant = make_variant(price=1000, stock=10)
    group = place(buyer, user_cart(buyer, [(variant, 1)]), choices={variant.product.shop_id: "delivery"},
                  address=make_address(buyer))
    order = group.orders[0]
    return buyer, order, order.shop.members[0].user


def _close(db, order, days_ago: int) -> None:
    order.status = OrderStatus.COMPLETED
    order.completed_at = utcnow() - dt.timedelta(days=days_ago)
    db.session.commit()


def _full(text: str) -> bool:
    return PHONE in text and STREET in text and "张三" in text


def _masked(text: str) -> bool:
    return MASKED_PHONE in text and MASKED_ADDRESS in text and "张*" in text and PHONE not in text \
        and STREET not in text and "张三" not in text


def _merchant_views(client, order) -> list[str]:
    return [client.get(f"/merchant/orders/{order.id}").get_data(as_text=True),
            client.get(f"/merchant/orders/{order.id}/slip").get_data(as_text=True),
            client.get("/merchant/orders.csv").get_data(as_text=True)]


def test_the_buyer_reads_his_own_contact_in_full(client, login, delivery_order):
    buyer, order, _owner = delivery_order
    login(buyer)
    assert _full(client.get(f"/orders/{order.id}").get_data(as_text=True))
    data = client.get(f"/api/v1/orders/{order.id}").get_json()
    assert data["address"]["phone"] == PHONE and STREET in data["address"]["address"]


@pytest.mark.parametrize("days_ago, reveal", [(None, True), (10, True), (29, True), (31, False), (400, False)])
def test_the_shop_reads_it_while_it_needs_it(client, db, login, delivery_order, days_ago, reveal):
    _buyer, order, owner = delivery_order
    if days_ago is not None:
        _close(db, order, days_ago)
    login(owner)
    pages = _merchant_views(client, order)
    for text in pages[:2]:
        assert _full(text) if reveal else _masked(text)
    csv_text = pages[2]
    assert (PHONE in csv_text) == reveal and (MASKED_PHONE in csv_text) == (not reveal)
    listing = client.get("/merchant/orders").get_data(as_text=True)
    assert ("张三" in listing) == reveal and ("张*" in listing) == (not reveal)
    assert ("买家的联系方式已隐藏" in pages[0]) == (not reveal)


def test_the_window_is_configurable(app, client, db, login, delivery_order):
    _buyer, order, owner = delivery_order
    _close(db, order, 5)
    app.config["PRIVACY_CONTACT_WINDOW_DAYS"] = 3
    login(owner)
    assert _masked(_merchant_views(client, order)[0])


def test_admin_list_is_masked_and_the_order_page_is_full_and_audited(client, db, login, make_user, delivery_order):
    _buyer, order, _owner = delivery_order
    admin = make_user(roles=("admin",))
    login(admin)
    listing = client.get("/admin/orders").get_data(as_text=True)
    assert "b***@example.com" in listing and "buyer.private@example.com" not in listing
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert _full(page) and "buyer.private@example.com" in page and "记入审计日志" in page
    client.get(f"/admin/orders/{order.id}")  # a reload within minutes: no second entry
    views = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "privacy.view")))
    assert [(v.actor_id, v.object_type, v.object_id) for v in views] == [(admin.id, "order", str(order.id))]


def test_another_shop_and_a_stranger_read_nothing(client, login, make_user, make_shop, delivery_order):
    _buyer, order, _owner = delivery_order
    stranger_shop = make_shop()
    login(stranger_shop.members[0].user)
    assert client.get(f"/merchant/orders/{order.id}").status_code == 404
    assert PHONE not in client.get("/merchant/orders.csv").get_data(as_text=True)
    client.post("/account/logout")
    login(make_user())
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert client.get(f"/api/v1/orders/{order.id}").status_code == 404
