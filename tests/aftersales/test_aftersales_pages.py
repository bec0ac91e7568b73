"""The after-sales pages over HTTP: the buyer asks with a photo, the shop answers on its order page,
the admin rules; someone else's order, request or photo is a 404, a non-admin's ruling a 403; and
the merchant API follows the same flow."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from aftersales.models import AfterSale, AfterSaleStatus
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from tests.aftersales.conftest import photo_bytes

S = AfterSaleStatus


def _form(order, **extra):
    return {"kind": "return", "reason": "quality", f"qty-{order.lines[0].id}": "2", "description": "烂了两箱",
            **extra}


def _case(order) -> AfterSale:
    db.session.expire_all()
    return db.session.scalar(sa.select(AfterSale).where(AfterSale.order_id == order.id))


def test_the_buyer_asks_the_shop_answers_the_pages_show_it(received, login, client):
    order = received()
    owner = order.shop.members[0].user
    login(order.buyer)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'id="ask-after-sale"' in page
    form = client.get(f"/orders/{order.id}/after-sales/new")
    assert form.status_code == 200 and f'name="qty-{order.lines[0].id}"' in form.get_data(as_text=True)
    response = client.post(f"/orders/{order.id}/after-sales/new",
                           data={**_form(order), "photos": (io.BytesIO(photo_bytes()), "坏果.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    case = _case(order)
    assert case.status == S.REQUESTED and case.amount_cents == 2000 and len(case.photos) == 1
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "待商家处理" in page and "烂了两箱" in page and 'id="ask-after-sale"' not in page
    photo = client.get(f"/after-sales/{case.id}/photos/{case.photos[0].id}")
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/webp"
    assert "no-store" in photo.headers["Cache-Control"] and photo.headers["X-Content-Type-Options"] == "nosniff"
    assert order.number in client.get("/after-sales").get_data(as_text=True)
    client.post("/account/logout")

    login(owner)
    assert 'id="approve-after-sale"' in client.get(f"/merchant/orders/{order.id}").get_data(as_text=True)
    assert order.number in client.get("/merchant/after-sales").get_data(as_text=True)
    assert client.get(f"/after-sales/{case.id}/photos/{case.photos[0].id}?thumb=1").status_code == 200
    response = client.post(f"/merchant/after-sales/{case.id}/approve",
                           data={"return_shipping": "none", "return_address": "", "note": "送回摊位即可"})
    assert response.status_code == 302 and _case(order).status == S.AWAITING_RETURN
    again = client.post(f"/merchant/after-sales/{case.id}/approve", data={"return_shipping": "none"},
                        follow_redirects=True)
    assert "不能进行这个操作" in again.get_data(as_text=True)  # a double submit changes nothing
    client.post("/account/logout")

    login(order.buyer)
    client.post(f"/after-sales/{case.id}/returned", data={})
    assert _case(order).status == S.RETURNED
    client.post("/account/logout")
    login(owner)
    client.post(f"/merchant/after-sales/{case.id}/receive", data={"restock": "y"})
    assert _case(order).status == S.REFUNDED


def test_english_pages_have_no_raw_values(received, login, client):
    order = received()
    order.buyer.locale = "en"
    db.session.commit()
    login(order.buyer)
    client.post(f"/orders/{order.id}/after-sales/new", data=_form(order, kind="refund", reason="short_weight"))
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Refund only" in page and "Short weight" in page and "Waiting for the shop" in page
    assert "short_weight" not in page.replace('value="short_weight"', "")


def test_a_bad_form_is_shown_again_with_the_error(received, login, client):
    order = received()
    login(order.buyer)
    response = client.post(f"/orders/{order.id}/after-sales/new",
                           data={**_form(order), "photos": (io.BytesIO(b"%PDF-1.4 no"), "x.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "不是支持的图片" in response.get_data(as_text=True)
    assert "烂了两箱" in response.get_data(as_text=True)  # what he typed is kept
    assert _case(order) is None


def test_someone_elses_order_request_and_photo_are_not_found(received, make_user, make_shop, login, client):
    order = received()
    case_order = received()
    login(case_order.buyer)
    client.post(f"/orders/{case_order.id}/after-sales/new", data={**_form(case_order), "photos": (
        io.BytesIO(photo_bytes()), "a.jpg")}, content_type="multipart/form-data")
    case = _case(case_order)
    client.post("/account/logout")

    login(order.buyer)  # another buyer
    assert client.get(f"/orders/{case_order.id}/after-sales/new").status_code == 404
    assert client.post(f"/orders/{case_order.id}/after-sales/new", data=_form(case_order)).status_code == 404
    for path in (f"/after-sales/{case.id}/withdraw", f"/after-sales/{case.id}/dispute", f"/after-sales/{case.id}/returned"):
        assert client.post(path, data={"note": "x"}).status_code == 404
    assert client.get(f"/after-sales/{case.id}/photos/{case.photos[0].id}").status_code == 404
    assert client.post(f"/admin/after-sales/{case.id}/rule", data={"decision": "refund", "note": "x"}).status_code == 403
    client.post("/account/logout")

    other_owner = make_user()
    make_shop(owner=other_owner)
    login(other_owner)  # another shop's merchant
    for verb in ("approve", "refuse", "receive"):
        assert client.post(f"/merchant/after-sales/{case.id}/{verb}", data={"note": "x"}).status_code == 404
    assert client.get(f"/after-sales/{case.id}/photos/{case.photos[0].id}").status_code == 404
    assert _case(case_order).status == S.REQUESTED


def test_the_admin_sees_disputes_first_and_rules(received, make_user, login, client):
    order = received()
    owner = order.shop.members[0].user
    from aftersales import services

    case = services.request_after_sale(order, order.buyer, kind="refund", reason="damaged", lines={order.lines[0].id: 1})
    services.refuse(case, owner, note="不认可")
    services.dispute(case, order.buyer, note="请平台看照片")
    login(make_user(roles=("admin",)))
    listing = client.get("/admin/after-sales").get_data(as_text=True)
    assert "平台介入中" in listing and order.number in listing
    assert 'class="form ruling-form"' in client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    bad = client.post(f"/admin/after-sales/{case.id}/rule", data={"decision": "refund", "note": ""},
                      follow_redirects=True)
    assert "请填写裁决说明" in bad.get_data(as_text=True) and _case(order).status == S.DISPUTED
    client.post(f"/admin/after-sales/{case.id}/rule", data={"decision": "refund", "note": "支持买家"})
    assert _case(order).status == S.REFUNDED


@pytest.fixture
def erp(app):
    def make(owner):
        _row, token = accounts.create_token(owner, "ERP", ["merchant"])
        return {"Authorization": f"Bearer {token}"}

    return make


def test_the_merchant_api_lists_approves_and_refuses(received, erp, app, make_user, make_shop):
    from aftersales import services

    order = received()
    owner = order.shop.members[0].user
    headers = erp(owner)
    client = app.test_client()
    first = services.request_after_sale(order, order.buyer, kind="return", reason="quality", lines={order.lines[0].id: 1})
    base = f"/api/v1/shops/{order.shop_id}/after-sales"
    listing = client.get(base, headers=headers).get_json()
    assert listing["total"] == 1 and listing["items"][0]["kind_label"] == "退货退款"
    assert client.get(base + "?status=refunded", headers=headers).get_json()["total"] == 0
    assert client.post(f"{base}/{first.id}/refuse", json={"note": ""}, headers=headers).status_code == 400
    body = client.post(f"{base}/{first.id}/approve", json={"return_shipping": "buyer", "return_address": "梁园区 商丘农产品中心批发市场"},
                       headers=headers).get_json()
    assert body["status"] == "awaiting_return" and body["return_shipping"] == "buyer"
    assert client.post(f"{base}/{first.id}/approve", json={}, headers=headers).status_code == 409
    assert client.post(f"{base}/{first.id}/receive", headers=headers).status_code == 409  # not sent back yet

    other_owner = make_user()
    other = make_shop(owner=other_owner)
    foreign = client.get(f"/api/v1/shops/{other.id}/after-sales/{first.id}", headers=erp(other_owner))
    assert foreign.status_code == 404
    services.mark_returned(first, order.buyer, carrier="中通", tracking="ZT9")
    done = client.post(f"{base}/{first.id}/receive", json={"restock": True}, headers=headers).get_json()
    assert done["status"] == "refunded" and done["refund_id"] and [h["status"] for h in done["history"]] == [
        "requested", "awaiting_return", "returned", "refunded"]


def test_the_merchant_dashboard_counts_requests_to_handle(received, login, client):
    from aftersales import services

    order = received()
    services.request_after_sale(order, order.buyer, kind="refund", reason="quality", lines={order.lines[0].id: 1})
    login(order.shop.members[0].user)
    page = client.get("/merchant").get_data(as_text=True)
    assert "售后待处理" in page and 'href="/merchant/after-sales"' in page


def _two_and_four(received, shop=None):
    """Six requests: two refused, four waiting for the shop (list filters give 2 rows and 4 rows)."""
    from aftersales import services

    orders = [received(shop=shop) for _ in range(6)]
    for n, order in enumerate(orders):
        case = services.request_after_sale(order, order.buyer, kind="refund", reason="quality",
                                           lines={order.lines[0].id: 1})
        if n < 2:
            services.refuse(case, order.shop.members[0].user, note="不认可")
    return orders


def _statements(client, path: str, **kw) -> int:
    from tests.marketplace.perf_helpers import count_statements

    db.session.remove()  # nothing served from this session's identity map
    with count_statements(db.engine) as seen:
        assert client.get(path, **kw).status_code == 200
    return len(seen)


def test_the_list_pages_run_as_many_statements_for_two_rows_as_for_four(received, make_user, login, client):
    _two_and_four(received)
    login(make_user(roles=("admin",)))
    counts = [_statements(client, f"/admin/after-sales?status={s}") for s in ("refused", "requested")]
    assert counts[0] == counts[1], counts


def test_the_merchant_api_list_does_not_grow_with_its_requests(received, make_shop, erp, app):
    shop = make_shop()
    headers = erp(shop.members[0].user)
    _two_and_four(received, shop)
    base = f"/api/v1/shops/{shop.id}/after-sales"
    client = app.test_client()
    client.get(base, headers=headers)  # the token's first use stamps it (one write, once)
    counts = [_statements(client, f"{base}?status={s}", headers=headers) for s in ("refused", "requested")]
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("amount", ["-5", "abc", "1e999", "0", "20.01"])
def test_a_bad_ruling_amount_changes_nothing(received, make_user, login, client, amount):
    from aftersales import services

    order = received()
    case = services.request_after_sale(order, order.buyer, kind="refund", reason="damaged", lines={order.lines[0].id: 2})
    services.refuse(case, order.shop.members[0].user, note="不认可")
    services.dispute(case, order.buyer, note="请平台看")
    login(make_user(roles=("admin",)))
    client.post(f"/admin/after-sales/{case.id}/rule", data={"decision": "refund", "note": "支持", "amount": amount})
    client.post(f"/admin/after-sales/{case.id}/rule", data={"decision": "maybe", "note": "支持"})
    assert _case(order).status == S.DISPUTED and _case(order).refund_id is None


@pytest.mark.parametrize("body", [{"return_shipping": "drone"}, {"restock": "yes please"}, {"note": "很" * 301},
                                  {"return_shipping": "shop", "return_address": ""}])
def test_bad_api_approvals_change_nothing(received, erp, app, body):
    from aftersales import services

    order = received()
    case = services.request_after_sale(order, order.buyer, kind="return", reason="quality", lines={order.lines[0].id: 1})
    response = app.test_client().post(f"/api/v1/shops/{order.shop_id}/after-sales/{case.id}/approve", json=body,
                                      headers=erp(order.shop.members[0].user))
    assert response.status_code == 400 and response.get_json()["error"]["message"]
    assert _case(order).status == S.REQUESTED
