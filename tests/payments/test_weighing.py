"""Weighed settlement (多退少补): the tolerance accepted at checkout is on the line; the merchant
records the weight at handover; a shortfall is refunded through payments.refunds (ledger balanced,
checked by the suite's fixture); stock follows the actual quantity and equals its movements."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import Variant
from marketplace.extensions import db
from orders import services, weighing
from orders.cart import CartError
from orders.models import OrderStatus
from orders.terms_models import LineWeighing, ShopTerms
from payments.models import Refund, RefundStatus
from tests.payments.conftest import movements_of


@pytest.fixture
def stripe_keys():
    return False


_movements = movements_of


@pytest.fixture
def weighed_order(make_variant, make_group):
    """A paid, accepted order of 20 斤 (10 kg) at ¥6.00 per 斤; the variant made through the catalogue
    service (its initial stock is a movement)."""

    def make(qty: int = 20, unit: str = "斤", price: int = 600, stock: int = 100):
        variant = make_variant(unit=unit, price=price, stock=stock, direct=False)
        group = make_group(items=[(variant, qty)])
        order = group.orders[0]
        owner = order.shop.members[0].user
        services.mark_paid(order, owner, "cash")
        services.accept(order, owner)
        return order, variant, owner

    return make


def test_tolerance_is_stored_on_the_line_from_the_shop_setting(weighed_order, make_variant, make_group):
    order, variant, owner = weighed_order()
    assert order.lines[0].weigh_tolerance_bp == 500
    weighing.save_tolerance(order.shop, "3")
    assert db.session.scalar(sa.select(ShopTerms.weigh_tolerance_bp)) == 300
    other = make_variant(order.shop, unit="斤", price=600)
    piece = make_variant(order.shop, unit="箱", price=600)
    group = make_group(items=[(other, 4), (piece, 1)])
    by_unit = {ln.unit: ln.weigh_tolerance_bp for ln in group.orders[0].lines}
    assert by_unit == {"斤": 300, "箱": None}
    for bad in ("-1", "21", "abc", "NaN", "1.234"):
        with pytest.raises(CartError):
            weighing.save_tolerance(order.shop, bad)


def test_shortfall_is_refunded_and_stock_follows_the_actual_weight(weighed_order):
    order, variant, owner = weighed_order()
    line = order.lines[0]
    assert db.session.get(Variant, variant.id).stock == 80
    row = weighing.record_weight(order, line.id, "19.4", owner)  # 0.3 kg short of 10 kg
    assert (row.ordered_grams, row.actual_grams) == (10_000, 9_700)
    assert row.difference_cents == -360 and row.refunded_cents == 360
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    assert refund.amount_cents == 360 and refund.status == RefundStatus.SUCCEEDED
    db.session.expire_all()
    stock = db.session.get(Variant, variant.id).stock
    assert stock == 81  # 0.6 斤 rounds to one 斤 back
    assert stock == _movements(variant.id)
    from marketplace.mail.models import OutboxMessage

    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "order_weighed"))
    assert mail.to_addr == order.buyer.email and "实际 19.4 斤" in mail.body_text and "¥3.60" in mail.body_text
    # A double submit is one effect; another weight for the same line is refused.
    assert weighing.record_weight(order, line.id, "19.4", owner).id == row.id
    with pytest.raises(CartError) as exc:
        weighing.record_weight(order, line.id, "19.8", owner)
    assert exc.value.code == "already_weighed"
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 1
    assert db.session.get(Variant, variant.id).stock == _movements(variant.id) == 81


def test_overage_within_tolerance_is_owed_and_leaves_stock(weighed_order):
    order, variant, owner = weighed_order()
    row = weighing.record_weight(order, order.lines[0].id, "20.6", owner)
    assert row.difference_cents == 360 and row.refunded_cents == 0 and row.stock_delta == -1
    assert (row.charged_cents, row.charge_via, row.charge_settled_at) == (360, "collect", None)
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 0
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 79 == _movements(variant.id)


@pytest.mark.parametrize("raw, code", [
    ("18.9", "outside_tolerance"), ("21.1", "outside_tolerance"), ("-1", "invalid"), ("0", "invalid"),
    ("1e30", "invalid"), ("99999999999999", "invalid"), ("0.0001", "invalid"), ("abc", "invalid"), ("NaN", "invalid"),
    ("", "invalid"), ("Infinity", "invalid")])
def test_bad_weights_change_nothing(weighed_order, raw, code):
    order, variant, owner = weighed_order()
    with pytest.raises(CartError) as exc:
        weighing.record_weight(order, order.lines[0].id, raw, owner)
    assert exc.value.code == code
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(LineWeighing.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Refund.id))) == 0
    assert db.session.get(Variant, variant.id).stock == 80 == _movements(variant.id)


def test_lines_not_sold_by_weight_and_unpaid_orders_are_refused(make_variant, make_group):
    piece = make_variant(unit="箱")
    group = make_group(items=[(piece, 2)])
    order = group.orders[0]
    owner = order.shop.members[0].user
    with pytest.raises(CartError) as exc:
        weighing.record_weight(order, order.lines[0].id, "2", owner)
    assert exc.value.code == "not_weighed"
    kg = make_variant(unit="kg")
    pending = make_group(items=[(kg, 5)]).orders[0]
    with pytest.raises(CartError) as exc:
        weighing.record_weight(pending, pending.lines[0].id, "5", owner)
    assert exc.value.code == "not_weighable"
    with pytest.raises(CartError) as exc:
        weighing.record_weight(pending, 999999, "5", owner)
    assert exc.value.status == 404
    assert pending.status == OrderStatus.PENDING_PAYMENT


def test_pages_merchant_weighs_and_the_buyer_sees_the_refund(weighed_order, login, client, make_shop):
    order, _variant, owner = weighed_order()
    line = order.lines[0]
    login(owner)
    page = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert f'id="weigh-{line.id}"' in page and "±5%" in page
    bad = client.post(f"/merchant/orders/{order.id}/lines/{line.id}/weigh", data={"actual": "15"},
                      headers={"Referer": f"http://localhost/merchant/orders/{order.id}"})
    assert bad.status_code == 303
    assert "超出买家接受的误差范围" in client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    r = client.post(f"/merchant/orders/{order.id}/lines/{line.id}/weigh", data={"actual": "19.4"})
    assert r.status_code == 302
    client.post("/account/logout")
    other = make_shop()
    login(other.members[0].user)
    assert client.post(f"/merchant/orders/{order.id}/lines/{line.id}/weigh", data={"actual": "19.4"}).status_code == 404
    client.post("/account/logout")
    login(order.buyer)
    html = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "实际 19.4 斤" in html and "已退还 ¥3.60" in html


def test_terms_page_saves_the_tolerance_in_both_languages(make_shop, make_user, login, client):
    shop = make_shop()
    login(shop.members[0].user)
    html = client.get("/merchant/terms").get_data(as_text=True)
    assert 'value="5"' in html and "允许误差" in html
    r = client.post("/merchant/terms", data={"tolerance": "25"}, headers={"Referer": "http://localhost/merchant/terms"})
    assert r.status_code == 303 and weighing.shop_tolerance_bp(shop.id) == 500
    client.post("/merchant/terms", data={"tolerance": "2.5"})
    assert weighing.shop_tolerance_bp(shop.id) == 250
    client.post("/account/logout")
    english_shop = make_shop(owner=make_user(locale="en"))
    weighing.save_tolerance(english_shop, "2.5")
    login(english_shop.members[0].user)
    english = client.get("/merchant/terms").get_data(as_text=True)
    assert "Tolerance (± %, 0: no weighed settlement)" in english and 'value="2.5"' in english


def test_cancelling_a_weighed_order_gives_back_only_what_was_not_moved(weighed_order):
    order, variant, owner = weighed_order()
    weighing.record_weight(order, order.lines[0].id, "20.6", owner)  # one 斤 more left the stall
    services.cancel_by_merchant(order, owner, "买家不要了")
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 100 == _movements(variant.id)

