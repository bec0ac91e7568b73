"""Quotes: who may quote (category and region, or invited), while open, before the deadline and
below the maximum, the daily quota; one per shop, revisions kept; per-kg comparison."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from sourcing import quotes
from sourcing import requests as service
from sourcing.errors import SourcingError
from sourcing.models import Quote, QuoteRevision, RequestStatus


def _quotes() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Quote))


def test_a_matching_shop_quotes_and_the_buyer_is_told(post, veg_shop, send_quote):
    shop, variant = veg_shop()
    req = post()
    quote = send_quote(req, shop, [{"variant": str(variant.id), "quantity": "5000", "unit_price": "11.50"},
                                   {"name": "包装袋", "unit": "件", "quantity": "100", "unit_price": "2"}])
    assert [ln.line_total_cents for ln in quote.lines] == [5_750_000, 20_000]
    assert quote.total_cents == 5_750_000 + 20_000 + 30_000 and quote.lines[0].variant_id == variant.id
    assert req.quote_count == 1
    mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == req.buyer.email)).all()
    assert len(mail) == 1 and "新报价" in mail[0].subject


def test_a_shop_outside_the_category_or_the_region_is_refused(post, veg_shop, make_shop, make_product, send_quote):
    far, _v = veg_shop("柘城县")
    other = make_shop(county="睢阳区")
    make_product(other, category="工业品/建材", direct=True)
    req = post()
    for shop in (far, other):
        with pytest.raises(SourcingError) as caught:
            send_quote(req, shop)
        assert caught.value.status == 403
    assert _quotes() == 0


def test_an_invited_shop_may_quote_outside_its_scope_and_others_not_on_invited_only(post, veg_shop, make_shop,
                                                                                   send_quote):
    invited = make_shop(county="柘城县")
    matching, _v = veg_shop()
    req = post(visibility="invited", invite=str(invited.id))
    send_quote(req, invited)
    with pytest.raises(SourcingError):
        send_quote(req, matching)
    assert _quotes() == 1


def test_a_shop_cannot_quote_with_another_shops_variant(post, veg_shop, send_quote):
    shop, _v = veg_shop()
    _other, foreign = veg_shop()
    req = post()
    with pytest.raises(SourcingError) as caught:
        send_quote(req, shop, [{"variant": str(foreign.id), "quantity": "1", "unit_price": "1"}])
    assert caught.value.status == 404 and _quotes() == 0


def test_no_quote_after_the_deadline_or_once_cancelled(post, veg_shop, send_quote):
    from marketplace.db import at_time

    shop, _v = veg_shop()
    req = post()
    with at_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)), pytest.raises(SourcingError) as caught:
        send_quote(req, shop, valid_until=(dt.date.today() + dt.timedelta(days=20)).isoformat(),
                   delivery_date=(dt.date.today() + dt.timedelta(days=9)).isoformat())
    assert caught.value.code == "not_open"
    service.cancel(req, req.buyer)
    with pytest.raises(SourcingError):
        send_quote(req, shop)
    assert _quotes() == 0


def test_the_maximum_closes_the_request_and_refuses_the_next_shop(post, veg_shop, send_quote):
    first, _a = veg_shop()
    second, _b = veg_shop()
    third, _c = veg_shop()
    req = post(max_quotes="2")
    send_quote(req, first)
    send_quote(req, second)
    assert req.status == RequestStatus.CLOSED and req.quote_count == 2
    with pytest.raises(SourcingError):
        send_quote(req, third)
    assert _quotes() == 2


def test_a_shop_has_one_quote_per_request_revised_with_its_history(post, veg_shop, send_quote):
    shop, _v = veg_shop()
    req = post()
    first = send_quote(req, shop)
    again = send_quote(req, shop, [{"name": "朝天椒 精选", "unit": "吨", "quantity": "5", "unit_price": "10500"}])
    assert again.id == first.id and again.revision == 2 and _quotes() == 1 and req.quote_count == 1
    old = db.session.scalar(sa.select(QuoteRevision))
    assert old.number == 1 and old.snapshot["lines"][0]["unit_price_cents"] == 1_100_000
    assert again.lines[0].unit_price_cents == 1_050_000
    subjects = [m.subject for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.to_addr == req.buyer.email))]
    assert any("已修改" in s for s in subjects)


def test_the_daily_quota_counts_new_quotes_not_revisions(app, post, veg_shop, send_quote, make_user):
    app.config["SOURCING_QUOTES_PER_SHOP_PER_DAY"] = 2
    shop, _v = veg_shop()
    reqs = [post(make_user()) for _ in range(3)]
    send_quote(reqs[0], shop)
    send_quote(reqs[1], shop)
    send_quote(reqs[0], shop)  # a revision: not counted
    with pytest.raises(SourcingError) as caught:
        send_quote(reqs[2], shop)
    assert caught.value.status == 429 and _quotes() == 2


@pytest.mark.parametrize("line", [
    {"name": "朝天椒", "unit": "吨", "quantity": "-1", "unit_price": "10"},
    {"name": "朝天椒", "unit": "吨", "quantity": "5", "unit_price": "-10"},
    {"name": "朝天椒", "unit": "吨", "quantity": "5", "unit_price": "0"},
    {"name": "朝天椒", "unit": "吨", "quantity": "9999999", "unit_price": "999999999999"},
    {"name": "朝天椒", "unit": "吨", "quantity": "5", "unit_price": "NaN"},
    {"name": "朝天\x00椒", "unit": "吨", "quantity": "5", "unit_price": "10"},
    {"name": "", "unit": "吨", "quantity": "5", "unit_price": "10"},
    {"name": "朝天椒", "unit": "", "quantity": "5", "unit_price": "10"},
])
def test_bad_lines_are_refused_and_nothing_is_saved(post, veg_shop, send_quote, line):
    shop, _v = veg_shop()
    req = post()
    with pytest.raises(SourcingError):
        send_quote(req, shop, [line])
    assert _quotes() == 0 and req.quote_count == 0


@pytest.mark.parametrize("over", [{"freight": "-3"}, {"valid_until": "2001-01-01"}, {"delivery_date": "soon"},
                                  {"message": "好\x07"}])
def test_bad_terms_are_refused(post, veg_shop, send_quote, over):
    shop, _v = veg_shop()
    with pytest.raises(SourcingError):
        send_quote(post(), shop, **over)
    assert _quotes() == 0


def test_prices_per_kg_convert_where_the_unit_or_weight_allows(post, veg_shop, send_quote):
    shop, bag = veg_shop(unit="袋", weight=2500)
    req = post()
    quote = send_quote(req, shop, [{"variant": str(bag.id), "quantity": "2000", "unit_price": "30"},
                                   {"name": "朝天椒", "unit": "斤", "quantity": "100", "unit_price": "6"},
                                   {"name": "礼盒", "unit": "件", "quantity": "1", "unit_price": "50"}])
    assert [quotes.per_kg_cents(line) for line in quote.lines] == [1200, 1200, None]


def test_a_quote_attachment_is_seen_by_the_buyer_and_the_shop_only(post, veg_shop, client, login, make_user):
    import io

    from sourcing.models import SourcingAttachment
    from tests.sourcing.conftest import quote_form
    from tests.sourcing.test_sourcing_pdf import make_pdf

    shop, _v = veg_shop()
    rival, _v2 = veg_shop()
    req = post()
    login(shop.members[0].user)
    data = {**quote_form(), "line-1-name": "朝天椒", "line-1-unit": "吨", "line-1-quantity": "5",
            "line-1-unit_price": "11000", "attachments": [(io.BytesIO(make_pdf()), "报价单.pdf")]}
    assert client.post(f"/merchant/sourcing/{req.id}/quote", data=data,
                       content_type="multipart/form-data").status_code == 302
    file_id = db.session.scalar(sa.select(SourcingAttachment.id))
    url = f"/sourcing/{req.id}/files/{file_id}"
    assert client.get(url).status_code == 200
    client.post("/account/logout")
    login(rival.members[0].user)
    assert client.get(url).status_code == 404
    client.post("/account/logout")
    login(req.buyer)
    assert client.get(url).headers["Content-Type"] == "application/pdf"
    assert url in client.get(f"/sourcing/{req.id}/quotes").get_data(as_text=True)


def test_three_shops_quoting_at_once_on_the_last_place_make_one_quote(app, post, veg_shop):
    import threading

    from sourcing.models import SourcingRequest
    from tests.sourcing.conftest import quote_form

    shops = [veg_shop()[0] for _ in range(3)]
    req = post(max_quotes="1")
    ids = [(s.id, s.members[0].user_id) for s in shops]
    barrier, results = threading.Barrier(3), []

    def run(shop_id, user_id):
        from marketplace.accounts.models import User
        from marketplace.shops.models import Shop

        with app.app_context():
            try:
                request_row, shop = db.session.get(SourcingRequest, req.id), db.session.get(Shop, shop_id)
                user = db.session.get(User, user_id)
                barrier.wait(timeout=30)
                quotes.submit_quote(request_row, shop, user, quote_form(),
                                    [{"name": "朝天椒", "unit": "吨", "quantity": "5", "unit_price": "11000"}])
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - a refusal, or SQLite's busy database: nothing saved then
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    db.session.remove()
    assert results.count("ok") == 1, results
    assert _quotes() == 1
    req = db.session.get(SourcingRequest, req.id)
    assert req.quote_count == 1 and req.status == RequestStatus.CLOSED
