"""The merchant ships by batch: the order page's traceability panel links to the ship-by-batch page,
where a chosen batch is used for the line (or FEFO, "auto"); another shop's order is a 404."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderStatus
from trace.models import Allocation


def test_the_merchant_chooses_the_batch_on_the_ship_page(client, login, traced_variant, record, buy, make_shop):
    variant = traced_variant()
    late = record(variant, 10, days_to_expiry=60)
    record(variant, 10, days_to_expiry=5)
    order = buy(variant, 4)
    owner = variant.product.shop.members[0].user
    login(owner)
    panel = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert 'id="trace-order"' in panel and f"/merchant/trace/orders/{order.id}/ship" in panel
    page = client.get(f"/merchant/trace/orders/{order.id}/ship").get_data(as_text=True)
    assert late.code in page and "auto" in page
    line = order.lines[0]
    response = client.post(f"/merchant/trace/orders/{order.id}/ship", data={f"batch-{line.id}": str(late.id)})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status == OrderStatus.READY_FOR_PICKUP
    assert [(a.batch_id, a.quantity) for a in db.session.scalars(sa.select(Allocation))] == [(late.id, 4)]
    shown = client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert late.code in shown


def test_a_batch_that_is_not_offered_is_refused(client, login, traced_variant, record, buy):
    variant = traced_variant()
    record(variant, 10)
    order = buy(variant, 4)
    login(variant.product.shop.members[0].user)
    line = order.lines[0]
    assert client.post(f"/merchant/trace/orders/{order.id}/ship", data={f"batch-{line.id}": "999999"}).status_code == 400
    db.session.refresh(order)
    assert order.status == OrderStatus.ACCEPTED


def test_another_shops_order_is_a_404(client, login, traced_variant, record, buy, make_shop):
    variant = traced_variant()
    record(variant, 10)
    order = buy(variant, 4)
    login(make_shop().members[0].user)
    assert client.get(f"/merchant/trace/orders/{order.id}/ship").status_code == 404
    assert client.post(f"/merchant/trace/orders/{order.id}/ship", data={}).status_code == 404
