"""Price tiers on quote lines: entered on the quote form and through the API, checked (ascending
quantities, prices not rising, none above the quoted quantity, at most five), kept in revisions,
shown on the comparison page per unit and per kg; at acceptance the buyer may take fewer units and
pays the tier price for that quantity, computed on the server; a tampered or impossible quantity
is refused and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import Order, OrderLine
from sourcing import accept
from sourcing.errors import SourcingError
from sourcing.models import Quote, QuoteRevision, RequestStatus, SourcingRequest
from tests.sourcing.conftest import quote_form

#: 5 吨 at 12,000 a tonne; from 3 吨 11,500; from 5 吨 11,000.
TIERED = {"name": "朝天椒 统货", "unit": "吨", "quantity": "5", "unit_price": "12000",
          "tiers": [{"min_quantity": "3", "unit_price": "11500"}, {"min_quantity": "5", "unit_price": "11000"}]}


def _orders() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Order))


@pytest.fixture
def tiered(post, veg_shop, send_quote, make_address):
    """(request, quote: a tiered free line by the tonne and a tiered variant line by the kg, variant, address)."""

    def make(stock: int = 100000):
        shop, variant = veg_shop(stock=stock)
        req = post()
        quote = send_quote(req, shop, [TIERED, {"variant": str(variant.id), "quantity": "2000", "unit_price": "12.50",
                                                "tiers": [{"min_quantity": "1000", "unit_price": "12"}]}])
        return req, quote, variant, make_address(req.buyer, "睢阳区")

    return make


def test_tiers_are_stored_and_the_line_total_is_the_quoted_quantity_at_its_tier(tiered):
    _req, quote, _variant, _address = tiered()
    first, second = quote.lines
    assert first.unit_price_cents == 1_200_000
    assert first.tiers == [{"min_quantity": 3, "unit_price_cents": 1_150_000},
                           {"min_quantity": 5, "unit_price_cents": 1_100_000}]
    assert first.line_total_cents == 5 * 1_100_000 and second.line_total_cents == 2000 * 1200
    assert quote.total_cents == 5_500_000 + 2_400_000 + 30_000


@pytest.mark.parametrize("tiers", [
    [{"min_quantity": "5", "unit_price": "11000"}, {"min_quantity": "3", "unit_price": "11500"}],  # not ascending
    [{"min_quantity": "3", "unit_price": "12500"}],  # dearer than the base price
    [{"min_quantity": "3", "unit_price": "11000"}, {"min_quantity": "4", "unit_price": "11500"}],  # rising
    [{"min_quantity": "6", "unit_price": "11000"}],  # above the quoted 5
    [{"min_quantity": "1", "unit_price": "11000"}],  # the base price is the first step
    [{"min_quantity": "3", "unit_price": "11000"}, {"min_quantity": "3", "unit_price": "10000"}],  # twice
    [{"min_quantity": "3", "unit_price": "abc"}], [{"min_quantity": "x", "unit_price": "1"}],
    [{"min_quantity": "3", "unit_price": "0"}], [{"min_quantity": "3", "unit_price": ""}],
    [{"min_quantity": str(n), "unit_price": str(12000 - n)} for n in range(2, 8)],  # six (and above 5)
])
def test_bad_tiers_are_refused_and_save_nothing(post, veg_shop, send_quote, tiers):
    shop, _variant = veg_shop()
    req = post()
    with pytest.raises(SourcingError) as caught:
        send_quote(req, shop, [{**TIERED, "quantity": "10" if len(tiers) > 5 else "5", "tiers": tiers}])
    assert caught.value.field == "lines" and str(caught.value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) == 0


def test_six_tiers_are_too_many(post, veg_shop, send_quote):
    shop, _variant = veg_shop()
    req = post()
    tiers = [{"min_quantity": str(n), "unit_price": str(12000 - n)} for n in range(2, 8)]
    with pytest.raises(SourcingError, match="5"):
        send_quote(req, shop, [{**TIERED, "quantity": "10", "tiers": tiers}])


def test_tiers_on_an_otherwise_empty_line_are_not_dropped_silently(post, veg_shop, send_quote):
    shop, _variant = veg_shop()
    req = post()
    with pytest.raises(SourcingError):
        send_quote(req, shop, [TIERED, {"name": "", "unit": "", "quantity": "", "unit_price": "",
                                        "tiers": [{"min_quantity": "3", "unit_price": "100"}]}])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) == 0


def test_a_revision_keeps_the_tiers_in_its_snapshot(post, veg_shop, send_quote):
    shop, _variant = veg_shop()
    req = post()
    send_quote(req, shop, [TIERED])
    quote = send_quote(req, shop, [{**TIERED, "tiers": []}])
    assert quote.revision == 2 and quote.lines[0].tiers is None
    snapshot = db.session.scalar(sa.select(QuoteRevision)).snapshot
    assert snapshot["lines"][0]["tiers"] == [{"min_quantity": 3, "unit_price_cents": 1_150_000},
                                             {"min_quantity": 5, "unit_price_cents": 1_100_000}]


def test_accepting_fewer_units_pays_that_quantitys_tier_price(tiered):
    req, quote, variant, address = tiered()
    first, second = quote.lines
    order = accept.accept_quote(req, req.buyer, quote.id, address_id=address.id,
                                quantities={first.id: "4", str(second.id): 500})
    lines = db.session.scalars(sa.select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)).all()
    assert [(ln.quantity, ln.unit_price_cents, ln.base_price_cents, ln.tier_min_quantity) for ln in lines] == [
        (4, 1_150_000, 1_200_000, 3), (500, 1250, 1250, None)]
    assert order.subtotal_cents == 4 * 1_150_000 + 500 * 1250 and order.total_cents == order.subtotal_cents + 30_000
    db.session.refresh(variant)
    assert variant.stock == 100000 - 500


def test_the_quoted_quantity_gets_the_top_tier(tiered):
    req, quote, _variant, address = tiered()
    order = accept.accept_quote(req, req.buyer, quote.id, address_id=address.id)
    assert order.subtotal_cents == quote.total_cents - quote.freight_cents
    assert sorted(ln.unit_price_cents for ln in order.lines) == [1200, 1_100_000]


@pytest.mark.parametrize("value", ["0", "-1", "6", "2.5", "abc", "99999999999999999999"])
def test_a_tampered_quantity_is_refused_on_the_page_and_changes_nothing(tiered, client, login, value):
    req, quote, variant, address = tiered()
    login(req.buyer)
    response = client.post(f"/sourcing/{req.id}/accept", data={
        "quote": quote.id, "address": address.id, f"qty-{quote.lines[0].id}": value}, follow_redirects=True)
    assert response.status_code == 200
    assert "接受数量须是 1 到 5 之间的整数" in response.get_data(as_text=True)
    assert _orders() == 0
    db.session.expire_all()
    assert db.session.get(SourcingRequest, req.id).status == RequestStatus.OPEN
    assert db.session.get(type(variant), variant.id).stock == 100000


def test_a_quantity_for_a_line_of_another_quote_is_a_404(tiered, post, veg_shop, send_quote, client, login):
    req, quote, _variant, address = tiered()
    shop, _v = veg_shop()
    foreign = send_quote(post(), shop)
    login(req.buyer)
    response = client.post(f"/sourcing/{req.id}/accept", data={
        "quote": quote.id, "address": address.id, f"qty-{foreign.lines[0].id}": "1"})
    assert response.status_code == 404 and _orders() == 0


def test_more_than_the_stock_is_refused_with_what_is_left(tiered):
    req, quote, _variant, address = tiered(stock=800)
    with pytest.raises(SourcingError, match="800") as caught:
        accept.accept_quote(req, req.buyer, quote.id, address_id=address.id)
    assert caught.value.code == "out_of_stock" and _orders() == 0
    order = accept.accept_quote(req, req.buyer, quote.id, address_id=address.id,
                                quantities={quote.lines[1].id: 800})
    assert [ln.quantity for ln in sorted(order.lines, key=lambda ln: ln.id)] == [5, 800]


@pytest.mark.parametrize(("locale", "words"), [("zh_CN", ["≥ 3 吨", "折合每公斤", "接受数量"]),
                                               ("en", ["≥ 3 tonne: ", "per tonne", " (CN¥11.50 per kg)", "Quantity to accept"])])
def test_the_comparison_shows_the_tiers_per_unit_and_per_kg(tiered, client, login, make_user, locale, words):
    req, quote, _variant, _address = tiered()
    req.buyer.locale = locale
    db.session.commit()
    login(req.buyer)
    page = client.get(f"/sourcing/{req.id}/quotes").get_data(as_text=True)
    for word in words:
        assert word in page, word
    assert "11,500.00" in page and "11.50" in page  # 11,500 a tonne is 11.50 a kg
    assert "11,000.00" in page and "55,000.00" in page  # the quoted 5 吨 at the top tier
    assert f'name="qty-{quote.lines[0].id}"' in page and 'max="5"' in page


def test_the_quote_form_sends_and_prefills_tiers(post, veg_shop, client, login):
    shop, _variant = veg_shop()
    req = post()
    login(shop.members[0].user)
    data = {**quote_form(), "line-1-name": "朝天椒", "line-1-unit": "吨", "line-1-quantity": "5",
            "line-1-unit_price": "12000", "line-1-tier-1-min": "3", "line-1-tier-1-price": "11500",
            "line-1-tier-2-min": "5", "line-1-tier-2-price": "11000"}
    assert client.post(f"/merchant/sourcing/{req.id}/quote", data=data).status_code == 302
    quote = db.session.scalar(sa.select(Quote))
    assert [t["min_quantity"] for t in quote.lines[0].tiers] == [3, 5]
    page = client.get(f"/merchant/sourcing/{req.id}/quote").get_data(as_text=True)
    assert 'id="line-1-tier-2-min" name="line-1-tier-2-min" type="number" min="2" step="1" value="5"' in page
    bad = client.post(f"/merchant/sourcing/{req.id}/quote", data={**data, "line-1-tier-2-price": "11800"})
    assert bad.status_code == 422 and "买得越多单价应越低" in bad.get_data(as_text=True)


def test_the_api_quotes_with_tiers_and_accepts_a_quantity(app, post, veg_shop, make_address):
    from tests.sourcing.test_sourcing_api import _quote_body, _token

    client = app.test_client()
    shop, _variant = veg_shop()
    req = post()
    address = make_address(req.buyer)
    line = {"name": "朝天椒", "unit": "吨", "quantity": 5, "unit_price_cents": 1_200_000,
            "tiers": [{"min_quantity": 3, "unit_price_cents": 1_150_000}]}
    url = f"/api/v1/shops/{shop.id}/sourcing/requests/{req.id}/quote"
    shop_h, buyer_h = _token(shop.members[0].user, "merchant"), _token(req.buyer, "buyer")
    rising = {**line, "tiers": [{"min_quantity": 3, "unit_price_cents": 1_300_000}]}
    assert client.post(url, json=_quote_body(lines=[rising]), headers=shop_h).status_code == 400
    sent = client.post(url, json=_quote_body(lines=[line]), headers=shop_h)
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["lines"][0]["tiers"] == [{"min_quantity": 3, "unit_price_cents": 1_150_000,
                                                     "price_per_kg_cents": 1150}]
    compared = client.get(f"/api/v1/sourcing/requests/{req.id}/quotes", headers=buyer_h).get_json()["items"][0]
    line_id = compared["lines"][0]["id"]
    body = {"quote_id": compared["id"], "address_id": address.id}
    too_many = {**body, "quantities": [{"line_id": line_id, "quantity": 6}]}
    refused = client.post(f"/api/v1/sourcing/requests/{req.id}/accept", json=too_many, headers=buyer_h)
    assert refused.status_code == 400 and _orders() == 0
    accepted = client.post(f"/api/v1/sourcing/requests/{req.id}/accept",
                           json={**body, "quantities": [{"line_id": line_id, "quantity": 2}]}, headers=buyer_h)
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["total_cents"] == 2 * 1_200_000 + 30_000
