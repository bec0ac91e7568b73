"""The agriculture officer's commodity and market pages: create, edit, every bad input refused with
its field (nothing saved), the standard unit fixed once prices exist, 403 for other roles, 404 for
an id that does not exist."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from prices.services import local_today


def _commodity_form(**overrides) -> dict:
    return {"code": "ginger", "name": "生姜", "name_en": "Ginger", "unit": "公斤", "keywords": "姜,-姜茶",
            "sort_order": "3", "active": "1", **overrides}


def test_officer_creates_and_edits_a_commodity(client, login, officer, make_commodity):
    from catalog.categories import find_category, load_categories
    from prices.models import Commodity

    load_categories()
    veg = find_category("农产品/蔬菜")
    group = make_commodity("veg", "蔬菜", "Vegetables")
    login(officer)
    assert client.get("/prices/manage/commodities/new").status_code == 200
    response = client.post("/prices/manage/commodities/new",
                           data=_commodity_form(parent_id=str(group.id), category_id=str(veg.id), unit="KG"))
    assert response.status_code == 302
    ginger = db.session.scalar(sa.select(Commodity).where(Commodity.code == "ginger"))
    assert (ginger.parent_id, ginger.category_id, ginger.unit, ginger.keywords) == (group.id, veg.id, "kg", "姜,-姜茶")
    page = client.get("/prices/manage/commodities").get_data(as_text=True)
    assert "生姜" in page and "蔬菜" in page
    assert client.post(f"/prices/manage/commodities/{ginger.id}",
                       data=_commodity_form(name="老姜", unit="斤")).status_code == 302
    db.session.expire_all()
    assert (ginger.name, ginger.unit, ginger.parent_id, ginger.active) == ("老姜", "斤", None, True)
    client.post("/language", data={"locale": "en", "next": "/"})
    english = client.get("/prices/manage/commodities").get_data(as_text=True)
    assert "New commodity" in english and "Ginger" in english


@pytest.mark.parametrize("fields,field", [
    ({"code": ""}, "code"),
    ({"code": "Ginger!"}, "code"),
    ({"code": "garlic"}, "code"),  # taken
    ({"name": ""}, "name"),
    ({"name": "姜" * 41}, "name"),
    ({"unit": "坨"}, "unit"),
    ({"unit": ""}, "unit"),
    ({"parent_id": "999999"}, "parent_id"),
    ({"parent_id": "abc"}, "parent_id"),
    ({"category_id": "999999"}, "category_id"),
    ({"keywords": "姜," * 101}, "keywords"),
])
def test_bad_commodity_input_is_refused_with_its_field(client, login, officer, make_commodity, fields, field):
    from prices.models import Commodity

    make_commodity()
    login(officer)
    response = client.post("/prices/manage/commodities/new", data=_commodity_form(**fields))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="f-{field}-error"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commodity)) == 1


def test_no_cycle_and_no_unit_change_once_priced(client, login, officer, make_commodity, make_market, published):
    group = make_commodity("veg", "蔬菜", "Vegetables")
    garlic = make_commodity(parent_id=group.id)
    published(garlic, make_market(), local_today() - dt.timedelta(days=1), 760)
    login(officer)
    cycle = client.post(f"/prices/manage/commodities/{group.id}",
                        data=_commodity_form(code="veg", name="蔬菜", parent_id=str(garlic.id)))
    assert cycle.status_code == 400 and "上级品种不能是它自己或它下面的品种" in cycle.get_data(as_text=True)
    itself = client.post(f"/prices/manage/commodities/{group.id}",
                         data=_commodity_form(code="veg", name="蔬菜", parent_id=str(group.id)))
    assert itself.status_code == 400
    unit = client.post(f"/prices/manage/commodities/{garlic.id}", data=_commodity_form(code="garlic", unit="斤"))
    assert unit.status_code == 400 and "不能再改标准单位" in unit.get_data(as_text=True)
    assert client.post(f"/prices/manage/commodities/{garlic.id}",
                       data=_commodity_form(code="garlic", name="大蒜", unit="公斤", parent_id=str(group.id))
                       ).status_code == 302


def test_officer_creates_and_edits_a_market(client, login, officer, make_commodity, regions):
    from marketplace.regions.services import counties
    from prices.models import Market

    garlic, pear = make_commodity(), make_commodity("pear", "酥梨", "Crisp pear")
    county = counties()[0]
    login(officer)
    form = {"name": "夏邑县农贸市场", "name_en": "Xiayi Market", "kind": "county", "region_id": str(county.id),
            "address": "夏邑县城关镇", "operator": "夏邑县供销社", "commodities": [str(pear.id), str(garlic.id)],
            "active": "1"}
    assert client.post("/prices/manage/markets/new", data=form).status_code == 302
    market = db.session.scalar(sa.select(Market).where(Market.name == "夏邑县农贸市场"))
    assert market.region_id == county.id and [mc.commodity_id for mc in market.usual] == [pear.id, garlic.id]
    form.update(commodities=[str(garlic.id)], kind="central")
    assert client.post(f"/prices/manage/markets/{market.id}", data=form).status_code == 302
    db.session.expire_all()
    assert [mc.commodity_id for mc in market.usual] == [garlic.id] and market.kind.value == "central"
    assert "夏邑县农贸市场" in client.get("/prices/manage/markets").get_data(as_text=True)


@pytest.mark.parametrize("fields,field", [
    ({"name": ""}, "name"),
    ({"name": "商丘农产品中心批发市场"}, "name"),  # taken
    ({"kind": "mall"}, "kind"),
    ({"region_id": "1"}, "region_id"),  # the country: not one of the city's counties
    ({"commodities": ["999999"]}, "commodities"),
    ({"address": "路" * 201}, "address"),
])
def test_bad_market_input_is_refused(client, login, officer, make_market, regions, fields, field):
    from marketplace.regions.models import Region, RegionLevel
    from prices.models import Market

    make_market()
    if field == "region_id":
        fields = {"region_id": str(db.session.scalar(sa.select(Region.id).where(Region.level == RegionLevel.COUNTRY)))}
    login(officer)
    form = {"name": "新市场", "kind": "county", "active": "1", **fields}
    response = client.post("/prices/manage/markets/new", data=form)
    assert response.status_code == 400 and f'id="f-{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Market)) == 1


def test_other_roles_get_403_and_unknown_ids_404(client, login, officer, make_user, make_market, make_reporter):
    market = make_market()
    for user in (make_user(), make_reporter(market)):
        login(user)
        for url in ("/prices/manage/commodities", "/prices/manage/commodities/new", "/prices/manage/markets",
                    f"/prices/manage/markets/{market.id}"):
            assert client.get(url).status_code == 403, url
        assert client.post("/prices/manage/commodities/new", data=_commodity_form()).status_code == 403
        client.post("/account/logout")
    login(officer)
    assert client.get("/prices/manage/commodities/999999").status_code == 404
    assert client.post("/prices/manage/markets/999999", data={"name": "x"}).status_code == 404
    assert client.get(f"/prices/manage/markets/{market.id}").status_code == 200
