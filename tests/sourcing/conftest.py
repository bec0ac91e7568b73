"""Fixtures for the sourcing tests: the shipped categories, a matching shop (vegetables, home county
睢阳区, so its default zone covers a request delivered there), a request posted through the service."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db as _db
from marketplace.regions.models import Region, RegionLevel


def county(name: str) -> Region:
    return _db.session.scalar(sa.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY,
                                                      Region.code.like("4114%")))


def category(path: str):
    from catalog.categories import find_category, load_categories

    found = find_category(path)
    if found is None:
        load_categories()
        found = find_category(path)
    return found


def form(**over) -> dict:
    """A valid request form for 5 吨 of 朝天椒 delivered to 睢阳区."""
    today = dt.date.today()
    values = {"category": str(category("农产品/蔬菜").id), "title": "朝天椒", "spec": "干椒，无霉变", "quantity": "5",
              "unit": "吨", "target_price": "12000", "region": str(county("睢阳区").id),
              "deliver_until": (today + dt.timedelta(days=20)).isoformat(),
              "quote_deadline": (today + dt.timedelta(days=7)).isoformat(), "max_quotes": "10",
              "visibility": "public"}
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


def quote_form(**over) -> dict:
    today = dt.date.today()
    values = {"delivery_date": (today + dt.timedelta(days=10)).isoformat(),
              "valid_until": (today + dt.timedelta(days=14)).isoformat(), "freight": "300", "message": "产地直供"}
    values.update(over)
    return values


@pytest.fixture
def veg_shop(make_shop, make_product):
    """veg_shop(county="睢阳区", unit="kg", weight=None) -> (shop, variant): a shop selling 朝天椒."""

    def make(county_name: str = "睢阳区", unit: str = "kg", weight=None, price: int = 1500, stock: int = 100000, **kw):
        shop = make_shop(county=county_name, **kw)
        product = make_product(shop, title="朝天椒", category="农产品/蔬菜", price=price, unit=unit,
                               weight_grams=weight, stock=stock, direct=True)
        return shop, product.variants[0]

    return make


@pytest.fixture
def post(app, regions, make_user):
    """post(buyer=None, **form overrides) -> an open SourcingRequest posted through the service."""
    from sourcing import requests as service

    def do(buyer=None, publish: bool = True, **over):
        buyer = buyer or make_user()
        return service.post_request(buyer, form(**over), publish=publish)

    return do


@pytest.fixture
def send_quote(app):
    """send_quote(req, shop, lines=None, **overrides) -> the Quote, sent by the shop's owner."""
    from sourcing import quotes

    def do(req, shop, lines=None, **over):
        lines = lines if lines is not None else [{"name": "朝天椒 统货", "unit": "吨", "quantity": "5",
                                                   "unit_price": "11000"}]
        return quotes.submit_quote(req, shop, shop.members[0].user, quote_form(**over), lines)

    return do


@pytest.fixture
def make_address(app, regions):
    from orders.models import Address

    def make(user, county_name: str = "睢阳区"):
        address = Address(user_id=user.id, recipient="王经理", phone="13800000000", region_id=county(county_name).id,
                          street="神火大道 8 号", is_default=True)
        _db.session.add(address)
        _db.session.commit()
        return address

    return make


def supply_form(**over) -> dict:
    """A valid supply form: 80 吨 of 宁陵酥梨 from 宁陵县, available from 10 to 60 days ahead, 3000–4000 元/吨."""
    today = dt.date.today()
    values = {"category": str(category("农产品/水果").id), "title": "宁陵酥梨", "spec": "单果 250 g 以上，纸箱装",
              "quantity": "80", "unit": "吨", "region": str(county("宁陵县").id),
              "available_from": (today + dt.timedelta(days=10)).isoformat(),
              "available_until": (today + dt.timedelta(days=60)).isoformat(),
              "price_min": "3000", "price_max": "4000"}
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def pear_shop(make_shop, make_product):
    """pear_shop(**kw) -> a shop in 宁陵县 selling pears."""

    def make(**kw):
        shop = make_shop(county=kw.pop("county", "宁陵县"), **kw)
        make_product(shop, title="酥梨", category="农产品/水果", unit="kg", direct=True)
        return shop

    return make


@pytest.fixture
def post_supply(app, regions):
    from sourcing import supply

    def do(shop, **over):
        post = supply.post_supply(shop, shop.members[0].user, supply_form(**over))
        return post

    return do
