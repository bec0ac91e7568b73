"""Fixtures for the search tests: a small catalogue of real local products across shops and counties.

Assign the fixtures in a test module: ``catalogue = search_fixtures.catalogue``; ``app_config`` runs
the module's tests against every search backend the database allows.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.catalog.catalog_helpers import variant_row

#: The search backends the suite runs against: both on PostgreSQL, whoosh only on SQLite.
BACKENDS = ("whoosh", "postgres") if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres") else ("whoosh",)


@pytest.fixture(params=BACKENDS)
def app_config(app_config, request):
    """The suite's app configuration with each search backend in turn (assign it in a test module:
    ``app_config = search_fixtures.app_config``)."""
    app_config["SEARCH_BACKEND"] = request.param
    return app_config


def backend_name(app) -> str:
    return app.extensions["search"].name


#: key -> (title, category, county, shop key, price in fen, stock, certifications, extra fields)
PRODUCTS = {
    "apple": ("烟台红富士苹果 5斤装", "农产品/水果", "柘城县", "coop", 1200, 100, ["green_food"], {}),
    "gala": ("嘎啦苹果 新鲜现摘", "农产品/水果", "宁陵县", "farm", 800, 50, [], {"subtitle": "脆甜多汁"}),
    "chili": ("柘城三樱椒 干辣椒", "农产品/干货调料", "柘城县", "coop", 2500, 500, ["gi"], {}),
    "bullet": ("朝天椒 子弹头", "农产品/干货调料", "柘城县", "farm", 1800, 0, [], {}),
    "ingot": ("电解铝锭 A00 99.7%", "工业品/有色金属", "永城市", "ent", 1_890_000, 20, [], {}),
    "pear": ("宁陵金顶谢花酥梨 礼盒装", "农产品/水果", "宁陵县", "farm", 3000, 0, ["gi", "green_food"], {}),
    "wine": ("民权干红葡萄酒 750ml", "农产品/茶酒饮品", "民权县", "ent", 6800, 30, [], {}),
    "tape": ("虞城钢卷尺 5米", "工业品/五金工具", "虞城县", "ent", 650, 1000, [], {}),
    "html": ("特价<b>苹果</b>&礼盒 <script>alert(1)</script>", "农产品/水果", "柘城县", "coop", 1500, 10, [], {}),
    "mushroom": ("干香菇 花菇", "农产品/干货调料", "睢县", "farm", 4200, 10, ["organic"],
                 {"attributes": [["品种", "花菇"], ["等级", "一级"]]}),
}


@pytest.fixture
def shops(make_shop):
    from marketplace.shops.models import ShopType

    return {
        "coop": make_shop(name="柘城辣椒合作社", shop_type=ShopType.COOPERATIVE, county="柘城县"),
        "farm": make_shop(name="老王家庭农场", shop_type=ShopType.FARMER, county="宁陵县"),
        "ent": make_shop(name="永城铝业有限公司", shop_type=ShopType.ENTERPRISE, county="永城市"),
    }


def county(db, name: str):
    from marketplace.regions.models import Region, RegionLevel

    return db.session.scalar(sa.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY))


@pytest.fixture
def add_product(db, categories, shops, make_product):
    from catalog.models import ProductStatus

    def add(title, category="农产品/水果", county_name="柘城县", shop="coop", price=1000, stock=10, certs=(),
            status=ProductStatus.PUBLISHED, **fields):
        the_shop = shops[shop] if isinstance(shop, str) else shop
        return make_product(title=title, the_shop=the_shop, category=category, origin=county(db, county_name),
                            certifications=list(certs), variants=[variant_row(price=price, stock=stock, tiers=())],
                            status=status, **fields)

    return add


@pytest.fixture
def catalogue(add_product):
    """The fixture catalogue, indexed through the normal path (queue drained after each commit)."""
    out = {}
    for key, (title, category, county_name, shop, price, stock, certs, extra) in PRODUCTS.items():
        out[key] = add_product(title, category, county_name, shop, price, stock, certs, **extra)
    return out


def search_ids(text="", **kw):
    from search import SearchQuery, search

    return search("products", SearchQuery(text=text, **kw)).ids
