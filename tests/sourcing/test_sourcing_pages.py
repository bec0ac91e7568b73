"""The pages: posting through the form (with attachments judged by content), the board (masked,
filtered, a constant number of statements), a request's page for its buyer, a shop and a
stranger, the quote form, the comparison, the attachments served only to who may see them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from sourcing.models import AttachmentKind, Quote, SourcingAttachment, SourcingRequest
from tests.catalog.catalog_helpers import png_bytes
from tests.sourcing.conftest import county, form, quote_form
from tests.sourcing.test_sourcing_pdf import make_pdf


def _statements(client, path: str) -> int:
    from tests.marketplace.perf_helpers import count_statements

    db.session.remove()
    with count_statements(db.engine) as seen:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    return len(seen)


def test_the_form_posts_a_request_with_an_image_and_a_pdf(client, login, make_user, regions):
    buyer = make_user()
    login(buyer)
    assert client.get("/sourcing/new").status_code == 200
    data = {**form(), "attachments": [(io.BytesIO(png_bytes()), "chili.png"), (io.BytesIO(make_pdf(2)), "规格.pdf")]}
    response = client.post("/sourcing/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    req = db.session.scalar(sa.select(SourcingRequest))
    kinds = sorted(a.kind for a in db.session.scalars(sa.select(SourcingAttachment)))
    assert req.buyer_id == buyer.id and kinds == [AttachmentKind.IMAGE, AttachmentKind.PDF]
    page = client.get(f"/sourcing/{req.id}").get_data(as_text=True)
    assert "朝天椒" in page and buyer.display_name in page
    pdf = db.session.scalar(sa.select(SourcingAttachment).where(SourcingAttachment.kind == AttachmentKind.PDF))
    served = client.get(f"/sourcing/{req.id}/files/{pdf.id}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment") and "no-store" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("data", "name"), [(png_bytes(), "spec.pdf"), (b"%PDF-1.4 not really\n%%EOF", "a.pdf"),
                                            (b"<script>alert(1)</script>", "photo.png"),
                                            (make_pdf(40), "long.pdf"), (make_pdf(js=True), "js.pdf")])
def test_an_attachment_that_is_not_what_it_claims_is_refused(client, login, make_user, regions, data, name):
    login(make_user())
    response = client.post("/sourcing/new", data={**form(), "attachments": [(io.BytesIO(data), name)]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourcingRequest)) == 0


def test_the_region_picker_draws_the_next_level(client, login, make_user, regions):
    login(make_user())
    city = county("睢阳区").parent
    province = city.parent
    page = client.post("/sourcing/new", data={"region": [str(province.id), str(city.id)], "pick": "1"})
    assert page.status_code == 200 and "睢阳区" in page.get_data(as_text=True)


def test_private_requests_and_files_are_404_for_strangers(post, veg_shop, client, login, make_user, app):
    from sourcing import attachments

    req = post(visibility="region")
    with app.test_request_context():
        attachments.attach(req.id, [(AttachmentKind.PDF, make_pdf(), "a.pdf")], req.buyer)
    db.session.commit()
    file_id = db.session.scalar(sa.select(SourcingAttachment.id))
    assert client.get(f"/sourcing/{req.id}").status_code == 404  # anonymous
    login(make_user())
    assert client.get(f"/sourcing/{req.id}").status_code == 404
    assert client.get(f"/sourcing/{req.id}/files/{file_id}").status_code == 404
    assert client.get(f"/sourcing/{req.id}/edit").status_code == 404
    assert client.post(f"/sourcing/{req.id}/cancel").status_code == 404


def test_a_matching_shop_sees_it_quotes_and_revises_through_the_form(post, veg_shop, client, login):
    shop, variant = veg_shop()
    req = post(visibility="region")
    login(shop.members[0].user)
    listing = client.get("/merchant/sourcing").get_data(as_text=True)
    assert "朝天椒" in listing and f"/sourcing/{req.id}" in listing
    page = client.get(f"/sourcing/{req.id}").get_data(as_text=True)
    assert req.buyer.display_name not in page and "quote-button" in page
    data = {**quote_form(), "line-1-variant": str(variant.id), "line-1-quantity": "5000", "line-1-unit_price": "11.5"}
    assert client.post(f"/merchant/sourcing/{req.id}/quote", data=data).status_code == 302
    assert client.get(f"/merchant/sourcing/{req.id}/quote").status_code == 200
    data["line-1-unit_price"] = "11"
    assert client.post(f"/merchant/sourcing/{req.id}/quote", data=data).status_code == 302
    quote = db.session.scalar(sa.select(Quote))
    assert quote.revision == 2 and quote.lines[0].unit_price_cents == 1100
    assert "朝天椒" in client.get("/merchant/sourcing/quotes").get_data(as_text=True)
    bad = {**data, "line-1-quantity": "-4"}
    assert client.post(f"/merchant/sourcing/{req.id}/quote", data=bad).status_code == 422


def test_a_shop_outside_the_scope_cannot_open_the_quote_form_of_a_region_request(post, veg_shop, client, login):
    far, _v = veg_shop("柘城县")
    req = post(visibility="region")
    login(far.members[0].user)
    assert client.get(f"/merchant/sourcing/{req.id}/quote").status_code == 404
    assert f"/sourcing/{req.id}" not in client.get("/merchant/sourcing").get_data(as_text=True)


def test_the_buyer_compares_and_accepts(post, veg_shop, send_quote, make_address, client, login):
    shop, bag = veg_shop(unit="袋", weight=2500)
    other, _v = veg_shop()
    req = post()
    send_quote(req, shop, [{"variant": str(bag.id), "quantity": "2000", "unit_price": "30"}])
    send_quote(req, other, [{"name": "礼盒", "unit": "件", "quantity": "1", "unit_price": "50"}])
    address = make_address(req.buyer)
    login(req.buyer)
    page = client.get(f"/sourcing/{req.id}/quotes").get_data(as_text=True)
    assert "¥12.00" in page and "—" in page and shop.name in page and other.name in page
    quote = db.session.scalar(sa.select(Quote).where(Quote.shop_id == shop.id))
    response = client.post(f"/sourcing/{req.id}/accept", data={"quote": quote.id, "address": address.id})
    assert response.status_code == 302 and "/orders/" in response.headers["Location"]
    assert "查看订单" in client.get(f"/sourcing/{req.id}").get_data(as_text=True)


def _requests(post, make_user, n: int) -> None:
    for _ in range(n):
        post(make_user(name="张三丰"))


def test_the_board_masks_filters_and_runs_in_constant_statements(post, make_user, client):
    _requests(post, make_user, 2)
    client.get("/sourcing")  # the process's first request registers its search node (once)
    small = _statements(client, "/sourcing")
    one = db.session.scalar(sa.select(SourcingRequest.id))
    page_small = _statements(client, f"/sourcing/{one}")
    _requests(post, make_user, 4)
    assert _statements(client, "/sourcing") == small
    assert _statements(client, f"/sourcing/{one}") == page_small
    body = client.get("/sourcing").get_data(as_text=True)
    assert "张**" in body and "张三丰" not in body
    assert body.count("/sourcing/") >= 6
    there = client.get(f"/sourcing?county={county('睢阳区').id}").get_data(as_text=True)
    elsewhere = client.get(f"/sourcing?county={county('柘城县').id}").get_data(as_text=True)
    assert "朝天椒" in there and "朝天椒" not in elsewhere


def test_the_buyers_list_and_drafts(post, client, login, make_user):
    buyer = make_user()
    draft = post(buyer, publish=False)
    login(buyer)
    assert "朝天椒" in client.get("/sourcing/mine").get_data(as_text=True)
    assert "朝天椒" not in client.get("/sourcing").get_data(as_text=True)
    assert client.post(f"/sourcing/{draft.id}/publish").status_code == 302
    assert "朝天椒" in client.get("/sourcing").get_data(as_text=True)
    assert client.get(f"/sourcing/{draft.id}/edit").status_code == 200
    response = client.post(f"/sourcing/{draft.id}/edit", data={**form(quantity="9"), "region": ""})
    assert response.status_code == 422


def test_the_buyers_request_page_is_constant_in_revisions_and_attachments(post, client, login, app):
    from sourcing import attachments
    from sourcing import requests as service

    req_id = post().id
    login(db.session.get(SourcingRequest, req_id).buyer)
    client.get(f"/sourcing/{req_id}")

    def grow():
        req = db.session.get(SourcingRequest, req_id)
        service.edit_request(req, req.buyer, form(quantity=str(req.quantity + 1)))
        with app.test_request_context():
            attachments.attach(req.id, [(AttachmentKind.PDF, make_pdf(), f"spec-{req.revision}.pdf")], req.buyer)
        db.session.commit()

    grow()
    small = _statements(client, f"/sourcing/{req_id}")
    grow(), grow(), grow()
    assert _statements(client, f"/sourcing/{req_id}") == small


def test_the_quote_form_says_why_a_shop_cannot_quote(post, veg_shop, make_shop, make_product, client, login):
    other = make_shop(county="睢阳区")
    make_product(other, category="工业品/建材", direct=True)
    req = post()  # public: the shop may read it, not quote
    login(other.members[0].user)
    page = client.get(f"/merchant/sourcing/{req.id}/quote").get_data(as_text=True)
    assert 'id="quote-refusal"' in page and 'id="send-quote"' not in page


def test_the_board_filters_by_deadline(post, client):
    import datetime as dt

    post(title="青椒", quote_deadline=(dt.date.today() + dt.timedelta(days=2)).isoformat())
    post(title="线椒", quote_deadline=(dt.date.today() + dt.timedelta(days=20)).isoformat())
    soon = client.get("/sourcing?within=3").get_data(as_text=True)
    assert "青椒" in soon and "线椒" not in soon
    everything = client.get("/sourcing?within=abc").get_data(as_text=True)
    assert "青椒" in everything and "线椒" in everything
