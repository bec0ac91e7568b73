"""Delivery zones at any level: the most specific zone holding the address sets the fee; an
address the shop does not serve, or one too vague for its zones, is refused with a clear message
and nothing changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.regions.models import Region
from orders import services
from orders.models import Address, FeeMode, OrderGroup, ShopDeliveryRule
from tests.orders.conftest import pick


def region(code: str) -> Region:
    return db.session.scalar(sa.select(Region).where(Region.code == code))


QITAI, BEIJIE, HUXIANG, ZHECHENG, YONGCHENG, HENAN, CHINA, XIHU = (
    "411424102", "411424102201", "411424103", "411424", "411481", "410000", "000000", "330106")


@pytest.fixture
def address_at(app, regions):
    def make(user, code: str) -> Address:
        address = Address(user_id=user.id, recipient="张三", phone="13800000000", region_id=region(code).id,
                          street="人民路 8 号", is_default=True)
        db.session.add(address)
        db.session.commit()
        return address

    return make


def zones(shop, *rows, delivery=True):
    """rows: (region code, fee in fen[, mode, free above])"""
    specs = [services.ZoneSpec(region(code), fee_cents=fee, fee_mode=mode, free_above_cents=free)
             for code, fee, mode, free in ((*row, FeeMode.FLAT, None)[:4] for row in rows)]
    return services.save_delivery_rule(shop, delivery_enabled=delivery, zones=specs, pickup_enabled=True,
                                       pickup_address="", pickup_hours="")


@pytest.mark.parametrize("where, fee", [(BEIJIE, 100), (QITAI, 100), (HUXIANG, 0), (ZHECHENG, 0),
                                        (YONGCHENG, 2000), (XIHU, 2000)])
def test_the_most_specific_zone_sets_the_fee(make_user, make_shop, make_variant, user_cart, place, address_at,
                                             where, fee):
    shop = make_shop(county="柘城县")
    zones(shop, (CHINA, 2000), (ZHECHENG, 0), (QITAI, 100))
    buyer = make_user()
    group = place(buyer, user_cart(buyer, [(make_variant(shop, stock=5), 1)]), choices={shop.id: "delivery"},
                  address=address_at(buyer, where))
    assert group.orders[0].fee_cents == fee


def test_a_shop_in_a_township_serves_its_county_by_default(make_user, make_shop, make_variant, user_cart, place,
                                                           address_at):
    """The demo's bug: a shop placed in 起台镇 with no rule refused every address in 柘城县."""
    shop = make_shop(region=region(QITAI))
    buyer = make_user()
    group = place(buyer, user_cart(buyer, [(make_variant(shop, stock=5), 1)]), choices={shop.id: "delivery"},
                  address=address_at(buyer, HUXIANG))
    assert group.orders[0].fee_cents == 0 and "胡襄镇" in group.orders[0].ship_address


def test_per_kg_and_free_above_are_the_zones_own(make_user, make_shop, make_variant, user_cart, place, address_at):
    shop = make_shop()
    zones(shop, (HENAN, 50, FeeMode.PER_KG, 10_000), (QITAI, 0))
    buyer = make_user()
    v = make_variant(shop, price=300, stock=500, unit="斤")
    address = address_at(buyer, YONGCHENG)
    assert place(buyer, user_cart(buyer, [(v, 5)]), choices={shop.id: "delivery"},
                 address=address).orders[0].fee_cents == 150
    assert place(buyer, user_cart(buyer, [(v, 40)]), choices={shop.id: "delivery"},
                 address=address).orders[0].fee_cents == 0


@pytest.mark.parametrize("where, fragment", [
    (ZHECHENG, "您的地址只填到河南省商丘市柘城县，请把地址选到乡镇或村"),  # too vague for a township zone
    (HUXIANG, "您的地址在河南省商丘市柘城县胡襄镇"),  # the next township
    (XIHU, "您的地址在浙江省杭州市西湖区"),  # another province
])
def test_an_address_the_shop_does_not_serve_is_refused_and_nothing_changes(
        make_user, make_shop, make_variant, user_cart, place, address_at, where, fragment):
    shop = make_shop()
    zones(shop, (QITAI, 0))
    buyer = make_user()
    v = make_variant(shop, stock=5)
    cart = user_cart(buyer, [(v, 2)])
    with pytest.raises(services.CartError) as info:
        place(buyer, cart, choices={shop.id: "delivery"}, address=address_at(buyer, where))
    assert info.value.code == "cannot_fulfil" and info.value.status == 422
    assert "只配送到：河南省商丘市柘城县起台镇" in info.value.message and fragment in info.value.message
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0
    assert v.stock == 5 and len(services.build_view(cart).lines) == 1


def test_the_refusal_reads_in_english(app, client, login, make_user, make_shop, make_variant, user_cart, address_at):
    shop = make_shop()
    zones(shop, (QITAI, 0))
    buyer = make_user(locale="en")
    v = make_variant(shop, stock=5)
    user_cart(buyer, [(v, 1)])
    address = address_at(buyer, ZHECHENG)
    login(buyer)
    page = client.post("/checkout", data={"address_id": address.id, f"fulfilment-{shop.id}": "delivery",
                                                  "idempotency_key": "zones-en-0001"}).get_data(as_text=True)
    assert "only delivers to: Qitai Town, Zhecheng County, Shangqiu, Henan" in page
    assert "your address only says Zhecheng County, Shangqiu, Henan" in page


@pytest.mark.parametrize("rows, message", [
    ([(QITAI, 0), (QITAI, 100)], "配送区域重复"),
    ([(QITAI, -1)], "运费和包邮金额"),
    ([(QITAI, 10**12)], "运费和包邮金额"),
    ([], "至少添加一个配送区域"),
])
def test_bad_zones_are_refused_and_the_rule_is_unchanged(make_shop, rows, message):
    shop = make_shop()
    zones(shop, (ZHECHENG, 300))
    with pytest.raises(services.DeliveryRuleError, match=message):
        zones(shop, *rows)
    db.session.expire_all()
    rule = db.session.scalar(sa.select(ShopDeliveryRule))
    assert [(z.region.code, z.fee_cents) for z in rule.zones] == [(ZHECHENG, 300)]


def test_merchant_adds_all_of_china_and_removes_a_zone(app, client, login, make_user, make_shop):
    owner = make_user()
    shop = make_shop(owner=owner)
    zones(shop, (ZHECHENG, 0), (QITAI, 100))
    login(owner)
    country = region(CHINA)
    # without JavaScript: choosing a province and asking for the next level draws the city select
    page = client.post("/merchant/delivery", data={"zone_region": [str(region(HENAN).id)], "pick": "1"})
    assert page.status_code == 200 and "商丘市" in page.get_data(as_text=True)
    assert [z.fee_cents for z in db.session.scalar(sa.select(ShopDeliveryRule)).zones] == [0, 100]
    r = client.post("/merchant/delivery", data={
        "delivery_enabled": "y", "pickup_enabled": "y",
        "zones-0-region_id": str(region(ZHECHENG).id), "zones-0-fee_mode": "flat", "zones-0-fee": "0",
        "zones-1-region_id": str(region(QITAI).id), "zones-1-fee_mode": "flat", "zones-1-fee": "1", "zones-1-remove": "y",
        "zone_region": [str(country.id)], "new-fee_mode": "per_kg", "new-fee": "2.00", "new-free_above": "500"})
    assert r.status_code == 302
    db.session.expire_all()
    rule = db.session.scalar(sa.select(ShopDeliveryRule))
    assert [(z.region.code, z.fee_mode, z.fee_cents, z.free_above_cents) for z in rule.zones] == [
        (ZHECHENG, FeeMode.FLAT, 0, None), (CHINA, FeeMode.PER_KG, 200, 50_000)]
    client.post("/language", data={"locale": "en", "next": "/"})
    page = client.get("/merchant/delivery").get_data(as_text=True)
    assert "All of China" in page and "Zhecheng County, Shangqiu, Henan" in page


def test_address_picker_without_javascript_and_stale_values(app, client, login, make_user, regions):
    user = make_user()
    login(user)
    henan, shangqiu = region(HENAN), region("411400")
    page = client.post("/account/addresses", data={"region": [str(henan.id)], "pick": "1"}).get_data(as_text=True)
    assert "商丘市" in page and "郑州市" in page and not db.session.scalar(sa.select(Address.id))
    # a county of another city after 商丘市 (the province was changed back): the chain stops at 商丘市
    r = client.post("/account/addresses", data={"recipient": "李四", "phone": "13900000000", "street": "1 号",
                                                "region": [str(henan.id), str(shangqiu.id), str(region("410102").id)]})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Address)).region_id == shangqiu.id
    for bad in ([""], ["999999999"], ["abc"], [str(region(CHINA).id)], [str(region(QITAI).id)]):
        r = client.post("/account/addresses", data={"recipient": "李四", "phone": "13900000000", "street": "2 号",
                                                    "region": bad})
        assert r.status_code == 200 and "请选择所在地区" in r.get_data(as_text=True), bad
    assert db.session.scalar(sa.select(sa.func.count(Address.id))) == 1
    # a village-level address reads from the province down
    r = client.post("/account/addresses", data={"recipient": "李四", "phone": "13900000000", "street": "北街 16 号",
                                                "region": pick(region(BEIJIE))})
    assert r.status_code == 302
    assert "河南省 商丘市 柘城县 起台镇 北街村 北街 16 号" in client.get("/account/addresses").get_data(as_text=True)


def test_children_json_for_the_picker(client, regions):
    provinces = client.get("/regions/children.json").get_json()["regions"]
    assert len(provinces) == 31 and provinces[0]["name"] == "北京市"
    zc = region(ZHECHENG)
    client.post("/language", data={"locale": "en", "next": "/"})
    townships = client.get(f"/regions/children.json?parent={zc.id}").get_json()["regions"]
    assert len(townships) == 22 and "Qitai Town" in [t["name"] for t in townships]
    assert all(t["level"] == "township" for t in townships)
    assert client.get("/regions/children.json?parent=999999999").status_code == 404
    assert client.get("/regions/children.json?parent=x").status_code == 404


def test_the_cart_api_lists_zones(app, client, make_user, make_shop, make_variant, user_cart, regions):
    from marketplace.accounts.services import create_token

    shop = make_shop()
    zones(shop, (CHINA, 2000), (QITAI, 0))
    buyer = make_user()
    user_cart(buyer, [(make_variant(shop, stock=5), 1)])
    _row, token = create_token(buyer, "t")
    body = client.get("/api/v1/cart", headers={"Authorization": f"Bearer {token}"}).get_json()
    delivery = body["groups"][0]["delivery"]
    assert [z["region"]["name"] for z in delivery["zones"]] == ["全国", "河南省商丘市柘城县起台镇"]
    assert delivery["counties"] == [region(CHINA).id, region(QITAI).id] and delivery["fee_cents"] == 2000


def test_demo_zones_by_township_county_province_and_all_of_china(app, regions):
    from marketplace.regions.models import RegionLevel
    from marketplace.seed import seed_demo_shops, seed_demo_users
    from orders.models import ShopDeliveryZone
    from orders.seed import seed_demo_delivery

    seed_demo_users(lambda n: None)
    seed_demo_shops(lambda n: None)
    first = seed_demo_delivery()
    assert first == {"delivery rules": 16, "addresses": 8}
    assert seed_demo_delivery() == {"delivery rules": 0, "addresses": 0}
    levels = {z.region.level for z in db.session.scalars(sa.select(ShopDeliveryZone))}
    assert {RegionLevel.TOWNSHIP, RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE,
            RegionLevel.COUNTRY} <= levels
    places: dict = {}
    for address in db.session.scalars(sa.select(Address)):
        places.setdefault(address.region.level, set()).add(address.province)
    assert places[RegionLevel.VILLAGE] == places[RegionLevel.TOWNSHIP] == {"河南省"}
    assert places[RegionLevel.COUNTY] == {"河南省", "浙江省"}  # 永城市, 虞城县 and Hangzhou's 西湖区
