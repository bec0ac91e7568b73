"""Supply posts (供应): a shop's staff posts, edits, withdraws, marks sold out and reopens; bad input
changes nothing; another shop's post or product is a 404; the per-shop daily limit; the public
page and the board (type filter, county of origin, constant statements at two sizes); a buyer asks
about a post (the "supply" conversation subject) and reserves a quantity (a request sent to that
shop only); the expiry job; the JSON API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from sourcing.models import SourcingInvite, SourcingRequest, Visibility
from sourcing.supply_models import SupplyPhoto, SupplyPost, SupplyPostChange, SupplyStatus
from tests.catalog.catalog_helpers import png_bytes
from tests.sourcing.conftest import category, county, supply_form


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_shop_posts_edits_withdraws_and_reopens(pear_shop, client, login):
    shop = pear_shop(name="宁陵梨园合作社")
    login(shop.members[0].user)
    assert client.get("/merchant/sourcing/supply/new").status_code == 200
    data = {**supply_form(), "photos": [(io.BytesIO(png_bytes()), "梨.png")]}
    response = client.post("/merchant/sourcing/supply/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    post = db.session.scalar(sa.select(SupplyPost))
    assert (post.shop_id, post.quantity, post.unit, post.price_min_cents, post.price_max_cents) == (
        shop.id, 80, "吨", 300_000, 400_000)
    assert post.status == SupplyStatus.OPEN and len(post.photos) == 1 and post.photos[0].key.startswith("public/supply/")
    page = client.get(f"/sourcing/supply/{post.id}").get_data(as_text=True)
    assert "宁陵梨园合作社" in page and "宁陵县" in page and 'id="supply-price-kg"' in page
    assert "¥3.00" in page and "¥4.00" in page  # per kg: 3000–4000 元/吨
    assert "宁陵酥梨" in client.get("/merchant/sourcing/supply").get_data(as_text=True)
    # edit: a new quantity and the photo removed
    response = client.post(f"/merchant/sourcing/supply/{post.id}/edit",
                           data={**supply_form(quantity="60"), "remove_photo": str(post.photos[0].id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert post.quantity == 60 and post.photos == []
    assert client.post(f"/merchant/sourcing/supply/{post.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert post.status == SupplyStatus.WITHDRAWN
    assert client.get(f"/sourcing/supply/{post.id}").status_code == 200  # its shop still sees it
    assert client.post(f"/merchant/sourcing/supply/{post.id}/reopen").status_code == 302
    assert client.post(f"/merchant/sourcing/supply/{post.id}/sold_out").status_code == 302
    db.session.expire_all()
    assert post.status == SupplyStatus.SOLD_OUT
    moves = [(c.from_status, c.to_status) for c in db.session.scalars(
        sa.select(SupplyPostChange).where(SupplyPostChange.post_id == post.id).order_by(SupplyPostChange.id))]
    assert moves == [(None, "open"), ("open", "withdrawn"), ("withdrawn", "open"), ("open", "sold_out")]
    client.post("/account/logout")
    assert client.get(f"/sourcing/supply/{post.id}").status_code == 200  # sold out: still shown, no buttons
    client.post(f"/merchant/sourcing/supply/{post.id}/reopen")  # logged out: nothing happens


def test_a_withdrawn_post_is_404_to_strangers_and_off_the_board(pear_shop, post_supply, client):
    from sourcing import supply

    shop = pear_shop()
    post = post_supply(shop)
    assert "宁陵酥梨" in client.get("/sourcing?type=supply").get_data(as_text=True)
    supply.set_status(post, shop.members[0].user, SupplyStatus.WITHDRAWN)
    assert client.get(f"/sourcing/supply/{post.id}").status_code == 404
    assert "宁陵酥梨" not in client.get("/sourcing?type=supply").get_data(as_text=True)


def test_another_shop_gets_404_and_a_buyer_without_a_shop_cannot_post(pear_shop, post_supply, make_user, client,
                                                                      login):
    post = post_supply(pear_shop())
    other = pear_shop()
    login(other.members[0].user)
    assert client.get(f"/merchant/sourcing/supply/{post.id}/edit").status_code == 404
    assert client.post(f"/merchant/sourcing/supply/{post.id}/edit", data=supply_form(quantity="1")).status_code == 404
    assert client.post(f"/merchant/sourcing/supply/{post.id}/withdraw").status_code == 404
    assert "宁陵酥梨" not in client.get("/merchant/sourcing/supply").get_data(as_text=True)
    db.session.expire_all()
    assert post.quantity == 80 and post.status == SupplyStatus.OPEN
    client.post("/account/logout")
    login(make_user())
    assert client.get("/merchant/sourcing/supply/new").status_code == 403
    assert client.post("/merchant/sourcing/supply/new", data=supply_form()).status_code == 403
    assert _count(SupplyPost) == 1


def test_staff_post_too_and_a_suspended_shop_cannot(pear_shop, make_user, client, login):
    from marketplace.shops.models import MemberRole, ShopMember, ShopStatus

    shop = pear_shop()
    staff = make_user()
    db.session.add(ShopMember(shop_id=shop.id, user_id=staff.id, role=MemberRole.STAFF))
    db.session.commit()
    login(staff)
    assert client.post("/merchant/sourcing/supply/new", data=supply_form()).status_code == 302
    post = db.session.scalar(sa.select(SupplyPost))
    assert post.author_id == staff.id
    shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    response = client.post("/merchant/sourcing/supply/new", data=supply_form(title="鸭梨"))
    assert response.status_code == 409 and "暂停" in response.get_data(as_text=True)
    assert _count(SupplyPost) == 1


@pytest.mark.parametrize(("over", "field_text"), [
    ({"quantity": "-5"}, "之间的整数"),
    ({"quantity": "99999999999"}, "之间的整数"),
    ({"quantity": "三吨"}, "请填写整数"),
    ({"price_min": "5000", "price_max": "4000"}, "最低价不能高于最高价"),
    ({"price_min": "-1"}, ""),
    ({"price_max": "999999999999"}, ""),
    ({"available_from": "2030-05-01", "available_until": "2030-04-01"}, "供应结束日期不能早于开始日期"),
    ({"available_until": "2001-01-01", "available_from": "2000-01-01"}, "供应结束日期不能早于今天"),
    ({"available_until": "not a date"}, "日期格式不正确"),
    ({"title": ""}, "请填写供应的商品"),
    ({"unit": "箩筐"}, "请选择计量单位"),
    ({"region": ""}, "请选择产地"),
    ({"category": "999999"}, "请选择商品分类"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(pear_shop, client, login, over, field_text):
    shop = pear_shop()
    login(shop.members[0].user)
    response = client.post("/merchant/sourcing/supply/new", data=supply_form(**over))
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:1500]
    assert 'id="supply-error"' in body and field_text in body
    assert body.count('aria-invalid="true" aria-describedby="supply-error"') <= 1  # the field named, if a field
    assert _count(SupplyPost) == 0


def test_control_characters_refused_or_stripped(pear_shop, client, login):
    """NUL is refused as a whole (one clear 400 before the view); other C0 controls never reach it."""
    login(pear_shop().members[0].user)
    refused = client.post("/merchant/sourcing/supply/new", data=supply_form(title="酥梨\x00"))
    assert refused.status_code == 400 and _count(SupplyPost) == 0
    assert client.post("/merchant/sourcing/supply/new", data=supply_form(title="酥\x07梨")).status_code == 302
    assert db.session.scalar(sa.select(SupplyPost.title)) == "酥梨"


def test_a_bad_photo_or_another_shops_product_is_refused(pear_shop, make_product, client, login):
    shop = pear_shop()
    foreign = make_product(pear_shop(), title="别人的梨", category="农产品/水果", direct=True)
    login(shop.members[0].user)
    response = client.post("/merchant/sourcing/supply/new", content_type="multipart/form-data",
                           data={**supply_form(), "photos": [(io.BytesIO(b"<script>alert(1)</script>"), "梨.png")]})
    assert response.status_code == 422 and "梨.png" in response.get_data(as_text=True)
    response = client.post("/merchant/sourcing/supply/new", data=supply_form(product=str(foreign.id)))
    assert response.status_code == 404
    assert _count(SupplyPost) == 0 and _count(SupplyPhoto) == 0
    own = make_product(shop, title="我的梨", category="农产品/水果", direct=True)
    assert client.post("/merchant/sourcing/supply/new", data=supply_form(product=str(own.id))).status_code == 302
    assert db.session.scalar(sa.select(SupplyPost.product_id)) == own.id


def test_the_daily_limit_per_shop(pear_shop, post_supply, app, client, login):
    app.config["SOURCING_SUPPLY_PER_SHOP_PER_DAY"] = 2
    shop = pear_shop()
    post_supply(shop), post_supply(shop)
    login(shop.members[0].user)
    response = client.post("/merchant/sourcing/supply/new", data=supply_form())
    assert response.status_code == 429 and "每天最多发布 2 条供应" in response.get_data(as_text=True)
    assert _count(SupplyPost) == 2
    post_supply(pear_shop())  # another shop has its own count


def test_reopening_needs_the_window_and_an_expired_post_is_not_edited(pear_shop, post_supply):
    from sourcing import supply
    from sourcing.errors import SourcingError

    shop = pear_shop()
    user = shop.members[0].user
    post = post_supply(shop)
    supply.set_status(post, user, SupplyStatus.SOLD_OUT)
    db.session.execute(sa.update(SupplyPost).values(available_from=dt.date(2020, 1, 1), available_until=dt.date(2020, 2, 1)))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(SourcingError):
        supply.set_status(post, user, SupplyStatus.OPEN)
    assert post.status == SupplyStatus.SOLD_OUT


def test_the_expiry_job(pear_shop, post_supply, app):
    from marketplace.jobs import run_job

    shop = pear_shop()
    old, fresh = post_supply(shop), post_supply(shop, title="鸭梨")
    db.session.execute(sa.update(SupplyPost).where(SupplyPost.id == old.id)
                       .values(available_from=dt.date.today() - dt.timedelta(days=30),
                               available_until=dt.date.today() - dt.timedelta(days=2)))
    db.session.commit()
    run_job("sourcing.expire_supply")
    db.session.expire_all()
    assert old.status == SupplyStatus.EXPIRED and old.ended_at is not None and fresh.status == SupplyStatus.OPEN
    assert db.session.scalar(sa.select(SupplyPostChange.to_status).where(SupplyPostChange.post_id == old.id)
                             .order_by(SupplyPostChange.id.desc()).limit(1)) == SupplyStatus.EXPIRED
    from sourcing import supply

    assert supply.expire_due() == 0  # idempotent


def test_a_buyer_reserves_a_quantity_only_that_shop_sees_it(pear_shop, post_supply, make_user, client, login):
    from marketplace.notifications.models import Notification

    shop, other = pear_shop(), pear_shop()
    post = post_supply(shop)
    buyer = make_user(name="王采购")
    login(buyer)
    page = client.get(f"/sourcing/supply/{post.id}").get_data(as_text=True)
    assert 'id="reserve-supply"' in page and 'id="ask-supply"' in page
    assert client.get(f"/sourcing/supply/{post.id}/reserve").status_code == 200
    form = {"quantity": "81", "region": str(county("睢阳区").id)}
    too_many = client.post(f"/sourcing/supply/{post.id}/reserve", data=form)
    assert too_many.status_code == 422 and "最多可预订 80" in too_many.get_data(as_text=True)
    assert 'id="quantity" name="quantity" aria-invalid="true"' in too_many.get_data(as_text=True)
    assert _count(SourcingRequest) == 0
    response = client.post(f"/sourcing/supply/{post.id}/reserve", data={**form, "quantity": "20"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    req = db.session.scalar(sa.select(SourcingRequest))
    assert (req.supply_post_id, req.visibility, req.quantity, req.unit, req.title, req.category_id, req.buyer_id) == (
        post.id, Visibility.INVITED, 20, "吨", "宁陵酥梨", post.category_id, buyer.id)
    assert [i.shop_id for i in db.session.scalars(sa.select(SourcingInvite))] == [shop.id]
    assert f"/sourcing/supply/{post.id}" in client.get(f"/sourcing/{req.id}").get_data(as_text=True)
    again = client.post(f"/sourcing/supply/{post.id}/reserve", data={**form, "quantity": "20"})  # a double submit
    assert again.status_code == 409 and "您已预订过这条供应" in again.get_data(as_text=True)
    assert _count(SourcingRequest) == 1
    owner = shop.members[0].user
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == owner.id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == other.members[0].user_id)) == 0
    client.post("/account/logout")
    assert "宁陵酥梨" not in client.get("/sourcing?type=request").get_data(as_text=True)
    login(owner)
    assert "宁陵酥梨" in client.get("/merchant/sourcing").get_data(as_text=True)
    assert client.get(f"/sourcing/{req.id}").status_code == 200
    # the shop's own member cannot reserve its own post
    refused = client.post(f"/sourcing/supply/{post.id}/reserve", data={**form, "quantity": "1"})
    assert refused.status_code == 409
    client.post("/account/logout")
    login(other.members[0].user)
    assert "宁陵酥梨" not in client.get("/merchant/sourcing").get_data(as_text=True)
    assert client.get(f"/sourcing/{req.id}").status_code == 404


def test_a_sold_out_post_cannot_be_reserved(pear_shop, post_supply, make_user, client, login):
    from sourcing import supply

    shop = pear_shop()
    post = post_supply(shop)
    supply.set_status(post, shop.members[0].user, SupplyStatus.SOLD_OUT)
    login(make_user())
    response = client.post(f"/sourcing/supply/{post.id}/reserve", data={"quantity": "1", "region": str(county("睢阳区").id)})
    assert response.status_code == 409 and _count(SourcingRequest) == 0


def test_asking_about_a_post_opens_a_conversation(pear_shop, post_supply, make_user, client, login):
    from messages.models import Conversation
    from sourcing import supply

    shop = pear_shop(name="宁陵梨园")
    post = post_supply(shop)
    buyer = make_user()
    login(buyer)
    page = client.get(f"/messages/new?kind=supply&id={post.id}")
    assert page.status_code == 200 and "宁陵酥梨" in page.get_data(as_text=True)
    r = client.post("/messages/new", data={"kind": "supply", "id": post.id, "text": "九月能供 10 吨吗？"})
    assert r.status_code in (302, 303)
    conversation = db.session.scalar(sa.select(Conversation))
    assert (conversation.subject_kind, conversation.subject_id, conversation.shop_id) == ("supply", post.id, shop.id)
    supply.set_status(post, shop.members[0].user, SupplyStatus.WITHDRAWN)
    assert client.get(f"/messages/new?kind=supply&id={post.id}").status_code == 302  # back to his conversation
    assert client.get(f"/messages/{conversation.id}").status_code == 200
    client.post("/account/logout")
    login(make_user())
    assert client.get(f"/messages/new?kind=supply&id={post.id}").status_code == 404  # withdrawn: no new ones
    client.post("/account/logout")
    login(shop.members[0].user)
    assert "宁陵酥梨" in client.get("/merchant/messages").get_data(as_text=True)
    supply.set_status(post, shop.members[0].user, SupplyStatus.OPEN)
    assert client.get(f"/messages/new?kind=supply&id={post.id}").status_code == 409  # his own shop


def _village(county_name: str) -> Region:
    code = county(county_name).code[:6]
    return db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.VILLAGE,
                                                     Region.code.startswith(code)).order_by(Region.code).limit(1))


def test_the_board_filters_by_type_category_and_county_of_origin(pear_shop, post_supply, post, client):
    shop = pear_shop()
    village = _village("宁陵县")
    post_supply(shop, region=str(village.id))
    post(title="朝天椒")  # a request delivered to 睢阳区
    both = client.get("/sourcing").get_data(as_text=True)
    assert "宁陵酥梨" in both and "朝天椒" in both
    only_supply = client.get("/sourcing?type=supply").get_data(as_text=True)
    assert "宁陵酥梨" in only_supply and "朝天椒" not in only_supply
    only_requests = client.get("/sourcing?type=request").get_data(as_text=True)
    assert "宁陵酥梨" not in only_requests and "朝天椒" in only_requests
    there = client.get(f"/sourcing?type=supply&county={county('宁陵县').id}").get_data(as_text=True)
    elsewhere = client.get(f"/sourcing?type=supply&county={county('柘城县').id}").get_data(as_text=True)
    assert "宁陵酥梨" in there and "宁陵酥梨" not in elsewhere
    veg = category("农产品/蔬菜").id
    assert "宁陵酥梨" not in client.get(f"/sourcing?category={veg}").get_data(as_text=True)
    assert client.get("/sourcing?type=bogus&page=abc").status_code == 200
    page = client.get(f"/sourcing/supply/{db.session.scalar(sa.select(SupplyPost.id))}").get_data(as_text=True)
    assert village.name in page  # the origin down to the village


def test_the_reservation_form_starts_from_the_buyers_default_address(pear_shop, post_supply, make_user, make_address,
                                                                     client, login):
    post = post_supply(pear_shop())
    buyer = make_user()
    make_address(buyer, "睢阳区")
    login(buyer)
    page = client.get(f"/sourcing/supply/{post.id}/reserve").get_data(as_text=True)
    assert f'<option value="{county("睢阳区").id}" selected>' in page
    assert 'value="80"' not in page and 'max="80"' in page
