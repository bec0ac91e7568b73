"""What a region page costs in SQL statements: the same at two data sizes (the lists are pages, each
block a fixed number), and a shop in a village costs no statement of its own."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db as _db
from marketplace.regions.column_models import RegionColumn
from tests.marketplace.perf_helpers import count_statements
from tests.marketplace.region_page_helpers import price, region, supply_post

#: The page's chain, the catalogue's two lists (shops with their regions, products), the supply
#: posts. The rest is kept in the cache until it changes (which regions a code's chain holds, the
#: columns and photos, the townships and villages, the lists' totals, the commodities, the board):
#: 10 statements before, 16 allowed.
BUDGET = 4


def _grow(make_shop, make_product, n: int) -> None:
    village, township = region("王庄村", "起台镇"), region("起台镇")
    for k in range(n):
        shop = make_shop(name=f"王庄农户{k}", region=village if k % 2 else township)
        make_product(shop, title=f"王庄三樱椒 {k}", origin=village, direct=True)
        supply_post(shop, village, f"新椒 {k}")
    for k, code in enumerate(("chili-sanying", "garlic", "wheat")[: max(1, n // 3)]):
        price(code, {"chili-sanying": "朝天椒（三樱椒）", "garlic": "大蒜", "wheat": "小麦"}[code],
              f"市场{n}-{k}", 1000 + k)
    _db.session.add(RegionColumn(region_id=village.id, specialties="三樱椒、大蒜、小麦", text=f"第 {n} 版"))
    _db.session.commit()


def _cost(client, code: str) -> int:
    """The page's statements once warm: a first request may rebuild a per-process cache that the
    data just added made stale (the prices' matcher, the search node), which is not the page's cost."""
    client.get(f"/regions/{code}")
    _db.session.expire_all()
    with count_statements(_db.engine) as seen:
        response = client.get(f"/regions/{code}")
    assert response.status_code == 200
    return len(seen)


def test_region_pages_cost_the_same_at_two_sizes(client, regions, make_shop, make_product):
    _grow(make_shop, make_product, 2)
    client.get("/regions/411424")  # the first request registers the search node (once per process)
    small = {code: _cost(client, code) for code in ("411424", "411424102", "411424102203")}
    _db.session.execute(sa.delete(RegionColumn))
    _db.session.commit()
    _grow(make_shop, make_product, 30)
    large = {code: _cost(client, code) for code in small}
    assert large == small
    assert max(large.values()) <= BUDGET, large


def test_the_city_page_reads_its_townships_in_one_statement(client, regions):
    client.get("/regions/")
    _db.session.expire_all()
    with count_statements(_db.engine) as seen:
        html = client.get("/regions/").get_data(as_text=True)
    assert 'href="/regions/411424102"' in html  # 起台镇, under 柘城县
    assert len(seen) <= 5, seen
