"""一县一品 on the home page: each county's specialties from the regions file, with the products of
that county that match them among the city's newest listings, else its newest; bounded and cached."""

from __future__ import annotations

import pytest

from catalog.specialties import Specialty, parse_specialties
from tests.catalog import search_fixtures

add_product, shops = search_fixtures.add_product, search_fixtures.shops


@pytest.mark.parametrize(("text", "expected"), [
    ("三樱椒/朝天椒（中国辣椒之乡）、金刚石与超硬材料",
     [Specialty("三樱椒/朝天椒", ("三樱椒", "朝天椒")), Specialty("金刚石与超硬材料", ("金刚石", "超硬材料"))]),
    ("面粉（中国面粉城）、煤炭、电解铝", [Specialty("面粉", ("面粉",)), Specialty("煤炭", ("煤炭",)),
                                     Specialty("电解铝", ("电解铝",))]),
    ("商丘古城（归德府城）文旅, 食品加工", [Specialty("商丘古城文旅", ("商丘古城文旅",)), Specialty("食品加工", ("食品加工",))]),
    ("钢卷尺与五金量具(稍岗)", [Specialty("钢卷尺与五金量具", ("钢卷尺", "五金量具"))]),
    ("", []), (None, []), ("、（注）、", []),
])
def test_specialties_are_read_from_the_regions_line(text, expected):
    assert parse_specialties(text) == expected


def _tiles():
    from catalog import home_cache

    return {county.name: (specialties, [p.title for p in products], fallback)
            for county, specialties, products, fallback in home_cache.county_specialties(4)}


def test_a_tile_shows_the_products_matching_each_specialty(client, add_product, shops):
    add_product("柘城三樱椒 干椒", category="农产品/干货调料")
    add_product("子弹头朝天椒", category="农产品/干货调料")
    add_product("人造微粉", category="工业品/五金工具", shop="ent", subtitle="柘城金刚石 研磨抛光")  # by its subtitle
    add_product("售罄的三樱椒", category="农产品/干货调料", stock=0)
    for n in range(4):  # newer products that are no specialty do not push the specialties out
        add_product(f"新到苹果 {n}")
    specialties, titles, fallback = _tiles()["柘城县"]
    assert not fallback
    assert [(s.label, s.term) for s in specialties] == [("三樱椒/朝天椒", "朝天椒"), ("金刚石与超硬材料", "金刚石")]
    # the newest in stock of each specialty in turn, then the next of each
    assert titles == ["子弹头朝天椒", "人造微粉", "柘城三樱椒 干椒", "售罄的三樱椒"]
    html = client.get("/").get_data(as_text=True)
    assert "三樱椒/朝天椒" in html and "金刚石与超硬材料" in html and "人造微粉" in html
    assert "/search?q=%E6%9C%9D%E5%A4%A9%E6%A4%92&amp;county=" in html  # q=朝天椒, in the county
    assert "新到苹果" not in html.split('id="home-county-h"')[1]


def test_without_a_match_the_tile_shows_the_countys_newest_products(client, add_product, shops):
    add_product("嘎啦苹果", county_name="宁陵县", shop="farm")
    add_product("古城扒鸡", county_name="睢阳区", shop="farm")
    tiles = _tiles()
    specialties, titles, fallback = tiles["宁陵县"]
    assert fallback and titles == ["嘎啦苹果"] and all(s.term is None for s in specialties)
    specialties, titles, fallback = tiles["睢阳区"]  # 古城 alone is not 商丘古城文旅
    assert fallback and titles == ["古城扒鸡"] and all(s.term is None for s in specialties)
    html = client.get("/").get_data(as_text=True)
    assert "本县新品" in html and "金顶谢花酥梨" in html  # the specialty named, not linked


def test_only_the_citys_newest_listings_are_looked_at(add_product, shops, monkeypatch):
    from catalog import specialties

    add_product("柘城三樱椒 干椒", category="农产品/干货调料")
    add_product("宁陵金顶谢花酥梨", county_name="宁陵县", shop="farm")
    add_product("嘎啦苹果", county_name="柘城县")
    add_product("红富士苹果", county_name="柘城县")
    monkeypatch.setattr(specialties, "WINDOW", 2)
    from catalog import home_cache

    home_cache.refresh(force=True)  # the job chooses again (it ran after each product, with the real window)
    tiles = _tiles()
    assert tiles["柘城县"][1:] == (["红富士苹果", "嘎啦苹果"], True)  # the chili is older than the window
    assert tiles["宁陵县"][1:] == ([], True)  # nothing of its own in the window: its specialties only


def test_the_choice_is_made_by_the_job_and_a_read_costs_a_fixed_few_statements(
        app, db, add_product, shops, monkeypatch):
    import sqlalchemy as sa

    from catalog import queries

    for n in range(3):
        add_product(f"柘城三樱椒 {n} 号", category="农产品/干货调料")
    calls = []
    real = queries.newest_by_county
    monkeypatch.setattr(queries, "newest_by_county", lambda *a, **k: calls.append(1) or real(*a, **k))
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = {county: titles for county, (_s, titles, _f) in _tiles().items()}
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # the stored choice and the cards: no choice made, nothing per county or product
    assert calls == [] and len(statements) <= 2
    assert first["柘城县"] == ["柘城三樱椒 2 号", "柘城三樱椒 1 号", "柘城三樱椒 0 号"]
    again = {county: titles for county, (_s, titles, _f) in _tiles().items()}
    assert again == first and calls == []
    add_product("柘城朝天椒 干椒", category="农产品/干货调料")  # a catalogue change: the job chooses again
    assert "柘城朝天椒 干椒" in _tiles()["柘城县"][1] and len(calls) == 1
