"""Public shop pages and directory, the private licence scan, merchant pages, home block, JSON API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.domains import add_blocks, page_blocks
from marketplace.shops.models import MemberRole, ShopMember, ShopStatus, ShopType
from marketplace.shops.services import apply_for_shop, set_shop_status
from tests.marketplace.shop_helpers import jpeg_bytes, png_bytes, shop_data, upload

HIDDEN = [ShopStatus.PENDING, ShopStatus.REJECTED, ShopStatus.SUSPENDED]


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", roles=("admin",))


def add_staff(db, shop, user):
    db.session.add(ShopMember(shop_id=shop.id, user_id=user.id, role=MemberRole.STAFF))
    db.session.commit()


# --- the public page -------------------------------------------------------------------------

def test_approved_shop_page_shows_its_facts(client, make_shop):
    make_shop(name="商丘农批辣椒行", shop_type=ShopType.MARKET_STALL, market_name="商丘农产品中心批发市场",
                     stall_number="B-12", description="三樱椒批发\n冷库直发", slug="shang-qiu-la-jiao")
    response = client.get("/shops/shang-qiu-la-jiao")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("商丘农批辣椒行", "批发市场商户", "商丘农产品中心批发市场", "B-12", "商丘市 › 柘城县",
                 "037****4567", "<p>冷库直发</p>"):
        assert text in html, text
    assert "不公开" not in html
    # a public page: the phone and the street masked (PIPL), the county kept
    assert "0370-1234567" not in html and "人民路" not in html


def test_unknown_slug_is_404(client, regions):
    assert client.get("/shops/no-such-shop").status_code == 404


@pytest.mark.parametrize("status", HIDDEN)
def test_hidden_shops_are_404_to_the_public_and_other_users(client, make_shop, make_user, login, status):
    shop = make_shop(status=status)
    assert client.get(f"/shops/{shop.slug}").status_code == 404
    login(make_user())
    assert client.get(f"/shops/{shop.slug}").status_code == 404


@pytest.mark.parametrize("status", HIDDEN)
def test_owner_staff_and_admin_see_a_hidden_shop_with_a_banner(client, db, make_shop, make_user, login, admin,
                                                               status):
    owner, staff = make_user(), make_user()
    shop = make_shop(status=status, owner=owner)
    add_staff(db, shop, staff)
    for viewer in (owner, staff, admin):
        login(viewer)
        response = client.get(f"/shops/{shop.slug}")
        assert response.status_code == 200
        assert "这个页面现在不公开" in response.get_data(as_text=True)
        client.post("/account/logout")


def test_suspending_hides_the_page_and_reinstating_shows_it(client, make_shop, admin):
    shop = make_shop()
    assert client.get(f"/shops/{shop.slug}").status_code == 200
    set_shop_status(shop, ShopStatus.SUSPENDED, admin, "售假")
    assert client.get(f"/shops/{shop.slug}").status_code == 404
    assert client.get(f"/api/v1/shops/{shop.slug}").status_code == 404
    assert shop.name not in client.get("/shops").get_data(as_text=True)
    set_shop_status(shop, ShopStatus.APPROVED, admin)
    assert client.get(f"/shops/{shop.slug}").status_code == 200


# --- directory -------------------------------------------------------------------------------

@pytest.fixture
def mixed_shops(make_shop):
    return {
        "chili": make_shop(name="起台红辣椒合作社", shop_type=ShopType.COOPERATIVE, county="柘城县",
                           slug="qi-tai-hong-la-jiao-he-zuo-she"),
        "pear": make_shop(name="宁陵酥梨园", shop_type=ShopType.FARMER, county="宁陵县", slug="ning-ling-su-li-yuan"),
        "flour": make_shop(name="永城面粉厂", shop_type=ShopType.ENTERPRISE, county="永城市",
                           slug="yong-cheng-mian-fen-chang"),
        "tape": make_shop(name="稍岗卷尺批发", shop_type=ShopType.MARKET_STALL, county="虞城县",
                          market_name="虞城五金市场", stall_number="8", slug="shao-gang-juan-chi"),
        "pending": make_shop(name="待审核的店", status=ShopStatus.PENDING, county="柘城县"),
        "suspended": make_shop(name="被暂停的店", status=ShopStatus.SUSPENDED, county="柘城县"),
    }


def names(response) -> set[str]:
    html = response.get_data(as_text=True)
    candidates = ["起台红辣椒合作社", "宁陵酥梨园", "永城面粉厂", "稍岗卷尺批发", "待审核的店", "被暂停的店", "测试"]
    return {n for n in candidates if n in html}


@pytest.mark.parametrize("query, expected", [
    ("", {"起台红辣椒合作社", "宁陵酥梨园", "永城面粉厂", "稍岗卷尺批发"}),
    ("?county=411424", {"起台红辣椒合作社"}),
    ("?county=411423", {"宁陵酥梨园"}),
    ("?type=market_stall", {"稍岗卷尺批发"}),
    ("?type=farmer&county=411424", set()),
    ("?q=面粉", {"永城面粉厂"}),
    ("?q=suli", {"宁陵酥梨园"}),
    ("?q=la-jiao", {"起台红辣椒合作社"}),
    ("?q=%25", set()),
    ("?county=999999&type=bogus", {"起台红辣椒合作社", "宁陵酥梨园", "永城面粉厂", "稍岗卷尺批发"}),
])
def test_directory_filters(client, mixed_shops, query, expected):
    response = client.get("/shops" + query)
    assert response.status_code == 200
    assert names(response) == expected


def test_directory_filter_covers_townships_of_the_county(client, db, make_shop):
    from marketplace.regions.models import Region

    shop = make_shop(name="胡襄镇的店", county="柘城县")
    shop.region = db.session.scalar(sa.select(Region).where(Region.name == "胡襄镇"))
    db.session.commit()
    assert "胡襄镇的店" in client.get("/shops?county=411424").get_data(as_text=True)
    assert "胡襄镇的店" not in client.get("/shops?county=411423").get_data(as_text=True)


def test_directory_paginates(client, make_shop):
    for i in range(26):
        make_shop(name=f"分页店{i:02d}")
    first = client.get("/shops").get_data(as_text=True)
    second = client.get("/shops?page=2").get_data(as_text=True)
    assert first.count("分页店") == 24 and second.count("分页店") == 2
    assert "第 1 / 2 页" in first
    assert client.get("/shops?page=99").status_code == 200


def test_directory_lists_counties_with_specialties(client, regions):
    html = client.get("/shops?county=411424").get_data(as_text=True)
    assert "三樱椒" in html and "永城市" in html


# --- the private licence scan ----------------------------------------------------------------

@pytest.fixture
def licensed(db, regions, make_user):
    owner = make_user()
    shop = apply_for_shop(owner, shop_data(), upload(jpeg_bytes(1600, 1200), "licence.jpg", "image/jpeg"))
    return shop, owner


def test_licence_for_owner_staff_and_admin_with_safe_headers(client, db, make_user, login, admin, licensed):
    shop, owner = licensed
    staff = make_user()
    add_staff(db, shop, staff)
    for viewer in (owner, staff, admin):
        login(viewer)
        for query in ("", "?size=full"):
            with client.get(f"/shops/{shop.id}/licence{query}") as response:
                assert response.status_code == 200
                assert response.mimetype == "image/webp"
                assert response.get_data()[8:12] == b"WEBP"
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert "no-store" in response.headers["Cache-Control"]
                assert "private" in response.headers["Cache-Control"]
        client.post("/account/logout")


def test_licence_is_404_for_other_merchants_and_users(client, make_shop, make_user, login, licensed):
    shop, _owner = licensed
    other_owner = make_user()
    make_shop(owner=other_owner)
    for viewer in (other_owner, make_user()):
        login(viewer)
        assert client.get(f"/shops/{shop.id}/licence").status_code == 404
        client.post("/account/logout")
    response = client.get(f"/shops/{shop.id}/licence")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_licence_is_not_under_public_media(client, licensed):
    shop, _owner = licensed
    key = shop.licence_image.removeprefix("private/")
    assert client.get(f"/media/public/{key}-800.webp").status_code == 404
    assert client.get(f"/media/public/../{shop.licence_image}-800.webp").status_code == 404


def test_licence_bad_size_and_unknown_shop(client, login, licensed):
    shop, owner = licensed
    login(owner)
    assert client.get(f"/shops/{shop.id}/licence?size=../../x").status_code == 404
    assert client.get("/shops/999999/licence").status_code == 404


def test_logo_is_public(client, db, regions, make_user, admin):
    shop = apply_for_shop(make_user(), shop_data(), upload(png_bytes()), upload(png_bytes(500, 500), "logo.png"))
    set_shop_status(shop, ShopStatus.APPROVED, admin)
    html = client.get(f"/shops/{shop.slug}").get_data(as_text=True)
    url = f"/media/{shop.logo_image}-480.webp"
    assert url in html
    with client.get(url) as response:
        assert response.status_code == 200 and response.mimetype == "image/webp"


# --- merchant pages: ownership ---------------------------------------------------------------

def test_merchant_pages_need_a_shop(client, make_user, login):
    login(make_user())
    assert client.get("/merchant").status_code == 302
    assert client.get("/merchant/shop").status_code == 403
    assert client.get("/merchant/staff").status_code == 403


def test_staff_cannot_edit_the_shop_or_manage_staff(client, db, make_shop, make_user, login):
    shop = make_shop()
    staff = make_user()
    add_staff(db, shop, staff)
    login(staff)
    assert client.get("/merchant").status_code == 200
    assert client.get("/merchant/shop").status_code == 403
    assert client.post("/merchant/shop", data={"name": "抢走"}).status_code == 403
    assert client.get("/merchant/staff").status_code == 403
    assert client.post("/merchant/staff/invite", data={"email": "x@example.com"}).status_code == 403


def test_owner_edits_his_own_shop_only(client, db, make_shop, make_user, login):
    from tests.marketplace.shop_helpers import region_id

    mine, theirs = make_user(), make_user()
    my_shop = make_shop(owner=mine, name="我的店")
    their_shop = make_shop(owner=theirs, name="别人的店")
    login(mine)
    page = client.get("/merchant/shop").get_data(as_text=True)
    assert "我的店" in page and "别人的店" not in page
    data = {"name": "我的新店名", "market_name": "", "stall_number": "", "region_id": str(region_id("柘城县")),
            "address": "人民路 1 号", "phone": "13937001234", "description": "", "id": str(their_shop.id),
            "shop_id": str(their_shop.id)}
    assert client.post("/merchant/shop", data=data, content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    assert my_shop.name == "我的新店名" and their_shop.name == "别人的店"


def test_merchant_dashboard_links(client, app, make_shop, make_user, login):
    owner = make_user()
    shop = make_shop(owner=owner)
    login(owner)
    html = client.get("/merchant").get_data(as_text=True)
    assert f"/shops/{shop.slug}" in html and "/merchant/shop" in html and "/merchant/staff" in html


# --- home page -------------------------------------------------------------------------------

def test_home_shows_the_newest_approved_shops(client, app, make_shop):
    for i in range(10):
        make_shop(name=f"首页店{i}")
    make_shop(name="没通过的店", status=ShopStatus.PENDING)
    blocks = page_blocks(app, "home")
    assert len(blocks["shops"]) == 8
    html = client.get("/").get_data(as_text=True)
    assert "首页店" in html and "没通过的店" not in html


def test_home_block_providers_compose(client, app, make_shop):
    make_shop(name="组合店")
    add_blocks(app, "home", lambda: {"extra": 1})
    blocks = page_blocks(app, "home")
    assert blocks["extra"] == 1 and blocks["shops"][0].name == "组合店"


# --- JSON API --------------------------------------------------------------------------------

def test_api_lists_approved_shops_with_filters(client, mixed_shops):
    body = client.get("/api/v1/shops").get_json()
    assert body["total"] == 4 and body["page"] == 1
    assert {s["name"] for s in body["items"]} == {"起台红辣椒合作社", "宁陵酥梨园", "永城面粉厂", "稍岗卷尺批发"}
    item = next(s for s in body["items"] if s["name"] == "稍岗卷尺批发")
    assert item["type"] == "market_stall" and item["market_name"] == "虞城五金市场"
    assert item["county"] == {"code": "411425", "name": "虞城县"}
    assert item["url"].endswith("/shops/shao-gang-juan-chi")
    assert "licence_number" not in item and "licence_image" not in item
    by_county = client.get("/api/v1/shops?county=411481").get_json()
    assert [s["slug"] for s in by_county["items"]] == ["yong-cheng-mian-fen-chang"]
    by_type = client.get("/api/v1/shops?type=farmer").get_json()
    assert [s["slug"] for s in by_type["items"]] == ["ning-ling-su-li-yuan"]
    paged = client.get("/api/v1/shops?per_page=3&page=2").get_json()
    assert (paged["pages"], len(paged["items"])) == (2, 1)


@pytest.mark.parametrize("query, code", [("type=bogus", "invalid_type"), ("county=12", "invalid_county"),
                                         ("page=x", "invalid_page")])
def test_api_bad_filters(client, mixed_shops, query, code):
    response = client.get(f"/api/v1/shops?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_api_detail(client, mixed_shops):
    body = client.get("/api/v1/shops/ning-ling-su-li-yuan").get_json()
    assert body["name"] == "宁陵酥梨园" and body["phone"] == "037****4567" and body["address"] == "****"
    assert body["region"]["path"] == "河南省 › 商丘市 › 宁陵县"
    for hidden in ("pending", "suspended"):
        response = client.get(f"/api/v1/shops/{mixed_shops[hidden].slug}")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
