"""Search relevance, filters, facets, sorts, pagination and highlighting on a fixture catalogue."""

from __future__ import annotations

import pytest

from search import SearchQuery, search
from tests.catalog import search_fixtures
from tests.catalog.search_fixtures import search_ids

# fixtures shared by the search tests (assigned, not imported, so they are not shadowed names)
add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops
app_config = search_fixtures.app_config


def ids_of(catalogue, *keys):
    return {catalogue[k].id for k in keys}


@pytest.mark.parametrize("text", ["苹果", "pingguo", "pg", "PingGuo", "ping*", "pingg"])
def test_apples_by_chinese_pinyin_and_initials(catalogue, text):
    found = set(search_ids(text))
    assert ids_of(catalogue, "apple", "gala", "html") <= found
    assert catalogue["chili"].id not in found and catalogue["ingot"].id not in found


@pytest.mark.parametrize(("text", "expected"), [
    ("辣椒", {"chili", "apple", "html"}),   # the apples' shop is 柘城辣椒合作社
    ("lajiao", {"chili", "apple", "html"}),  # pinyin stands for the Chinese words it spells
    ("铝锭", {"ingot"}),
    ("电解铝锭", {"ingot"}),
    ("lvding", {"ingot"}),
    ("朝天椒", {"bullet"}),
    ("chaotianjiao", {"bullet"}),
    ("三樱椒", {"chili"}),
    ("酥梨", {"pear"}),
    ("谢花酥梨", {"pear"}),
    ("葡萄酒", {"wine"}),
    ("钢卷尺", {"tape"}),
    ("香菇", {"mushroom"}),
    ("花菇", {"mushroom"}),     # also in the attributes
    ("脆甜", {"gala"}),          # subtitle
    ("有色金属", {"ingot"}),     # category path
    ("老王家庭农场 酥梨", {"pear"}),  # shop name + title
])
def test_domain_words(app, catalogue, text, expected):
    assert set(search_ids(text)) == ids_of(catalogue, *expected)


def test_title_beats_shop_name(catalogue):
    assert search_ids("辣椒")[0] == catalogue["chili"].id


def test_two_words_must_both_match(catalogue):
    assert set(search_ids("柘城 三樱椒")) == ids_of(catalogue, "chili")
    assert set(search_ids("永城 铝锭")) == ids_of(catalogue, "ingot")
    assert set(search_ids("苹果 宁陵")) == ids_of(catalogue, "gala")
    assert set(search_ids("宁陵 pingguo")) == ids_of(catalogue, "gala")


def test_words_that_never_occur_together_fall_back_to_any(catalogue):
    result = search("products", SearchQuery(text="铝锭 钢卷尺"))
    assert set(result.ids) == ids_of(catalogue, "ingot", "tape")
    assert result.notice


def test_title_match_ranks_first(catalogue, add_product):
    described = add_product("新鲜水果礼盒", description="内含苹果、梨和橙子")
    ids = search_ids("苹果")
    assert described.id in ids
    assert ids.index(described.id) > ids.index(catalogue["apple"].id)


def test_unsearchable_products_are_not_found(catalogue, add_product, make_shop):
    from catalog.models import ProductStatus
    from marketplace.shops.models import ShopStatus

    draft = add_product("草稿苹果", status=ProductStatus.DRAFT)
    pending = make_shop(name="待审店铺", status=ShopStatus.PENDING)
    unapproved = add_product("待审店铺的苹果", shop=pending)
    found = set(search_ids("苹果"))
    assert draft.id not in found and unapproved.id not in found


def test_filters(catalogue):
    assert set(search_ids(filters={"category_path": "农产品/水果"})) == ids_of(catalogue, "apple", "gala", "pear", "html")
    assert set(search_ids(filters={"category_path": "工业品"})) == ids_of(catalogue, "ingot", "tape")
    assert set(search_ids("苹果", filters={"county": "宁陵县"})) == ids_of(catalogue, "gala")
    assert set(search_ids(filters={"shop_type": "enterprise"})) == ids_of(catalogue, "ingot", "wine", "tape")
    assert set(search_ids(filters={"cert": "gi"})) == ids_of(catalogue, "chili", "pear")
    assert set(search_ids(filters={"cert": ["gi", "organic"]})) == ids_of(catalogue, "chili", "pear", "mushroom")
    assert set(search_ids("苹果", filters={"in_stock": True})) == ids_of(catalogue, "apple", "gala", "html")
    assert set(search_ids(ranges={"price_cents": (1000, 2000)})) == ids_of(catalogue, "apple", "bullet", "html")
    assert set(search_ids(ranges={"price_cents": (None, 700)})) == ids_of(catalogue, "tape")
    assert set(search_ids(ranges={"price_cents": (100_000, None)})) == ids_of(catalogue, "ingot")
    assert search_ids("苹果", filters={"county": "不存在县"}) == []
    # unknown filter names are ignored rather than failing
    assert set(search_ids("铝锭", filters={"nonsense": "x"})) == ids_of(catalogue, "ingot")


def test_facet_counts(catalogue):
    result = search("products", SearchQuery(text="", facets=("county", "shop_type", "cert", "category_path", "in_stock")))
    assert result.total == len(catalogue)
    assert dict(result.facets["county"]) == {"柘城县": 4, "宁陵县": 2, "永城市": 1, "民权县": 1, "虞城县": 1, "睢县": 1}
    assert dict(result.facets["shop_type"]) == {"cooperative": 3, "farmer": 4, "enterprise": 3}
    assert dict(result.facets["cert"]) == {"gi": 2, "green_food": 2, "organic": 1}
    cats = dict(result.facets["category_path"])
    assert cats["农产品"] == 8 and cats["农产品/水果"] == 4 and cats["工业品/有色金属"] == 1
    assert dict(result.facets["in_stock"]) == {"1": 8, "0": 2}
    assert result.facets["county"][0] == ("柘城县", 4)  # most first

    apples = search("products", SearchQuery(text="苹果", facets=("county",), filters={"in_stock": True}))
    assert dict(apples.facets["county"]) == {"柘城县": 2, "宁陵县": 1}


def test_sorts(catalogue):
    prices = {p.id: p.min_price_cents for p in catalogue.values()}
    up = search_ids(sort="price_cents", per_page=100)
    assert [prices[i] for i in up] == sorted(prices.values())
    down = search_ids(sort="-price_cents", per_page=100)
    assert [prices[i] for i in down] == sorted(prices.values(), reverse=True)
    newest = search_ids(sort="newest", per_page=100)
    assert newest == sorted(prices, key=lambda i: (catalogue_published(catalogue, i), i), reverse=True)
    relevance = search_ids("苹果", sort="relevance")
    assert set(relevance) == ids_of(catalogue, "apple", "gala", "html")
    # filtered + sorted
    fruit_up = search_ids(sort="price_cents", filters={"category_path": "农产品/水果"})
    assert [prices[i] for i in fruit_up] == sorted(prices[i] for i in ids_of(catalogue, "apple", "gala", "pear", "html"))
    # an unknown sort falls back to relevance instead of failing
    assert set(search_ids("苹果", sort="drop table")) == set(relevance)


def catalogue_published(catalogue, product_id):
    from marketplace.db import as_utc

    product = next(p for p in catalogue.values() if p.id == product_id)
    return as_utc(product.published_at).timestamp() // 1


def test_pagination(catalogue):
    all_ids = search_ids(sort="price_cents", per_page=100)
    pages = [search("products", SearchQuery(sort="price_cents", page=n, per_page=3)) for n in (1, 2, 3, 4, 5)]
    assert [i for p in pages for i in p.ids] == all_ids
    assert [len(p.ids) for p in pages] == [3, 3, 3, 1, 0]
    assert pages[0].total == 10 and pages[0].pages == 4
    # silly page numbers are clamped
    assert search("products", SearchQuery(page=-5, per_page=10_000)).page == 1


def test_highlighting_escapes_html(catalogue):
    result = search("products", SearchQuery(text="苹果"))
    html = str(result.highlights[catalogue["html"].id]["title"])
    assert html == "特价&lt;b&gt;<mark>苹果</mark>&lt;/b&gt;&amp;礼盒 &lt;script&gt;alert(1)&lt;/script&gt;"
    assert str(result.highlights[catalogue["apple"].id]["title"]) == "烟台红富士<mark>苹果</mark> 5斤装"
    by_pinyin = search("products", SearchQuery(text="lajiao"))
    assert str(by_pinyin.highlights[catalogue["chili"].id]["title"]) == "柘城三樱椒 干<mark>辣椒</mark>"
    by_initials = search("products", SearchQuery(text="pg"))
    assert "<mark>苹果</mark>" in str(by_initials.highlights[catalogue["gala"].id]["title"])


HOSTILE = ["*", "(((", ")", "AND OR", "NOT", "a" * 2000, "苹" * 2000, "\x00\x01\x02苹果\x7f", "title:苹果",
           "苹果^10", "\"苹果", "'; DROP TABLE products; --", "?*?*", "ping~2", "[a TO z]", "{}", "\\", "%00",
           "🍎🍎", "\u202e果苹", " ", "OR 苹果 AND", "-苹果", "苹果*", "*苹果*", "<script>alert(1)</script>"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_fail(catalogue, client, text):
    result = search("products", SearchQuery(text=text))
    published = {p.id for p in catalogue.values()}
    if result.error:
        assert result.total == 0 and result.ids == []
    else:
        # The fixture catalogue fits on one page: every hit is listed once, and only our products.
        assert result.total == len(result.ids) == len(set(result.ids))
        assert set(result.ids) <= published
        if "苹果" in text:  # operators and junk around a real word do not hide its products
            assert catalogue["apple"].id in result.ids
    page = client.get("/search", query_string={"q": text})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    if result.error:
        assert "无法识别这个搜索词" in body
    assert "<script>alert(1)</script>" not in body
    api = client.get("/api/v1/products", query_string={"q": text})
    assert api.status_code == 200
    assert isinstance(api.get_json()["items"], list)


def test_unusable_query_gets_a_clear_message(catalogue, client):
    result = search("products", SearchQuery(text="((( *"))
    assert result.error and result.total == 0
    body = client.get("/search?q=(((").get_data(as_text=True)
    assert "无法识别这个搜索词" in body
    assert client.get("/api/v1/products?q=AND OR").get_json()["error"]


def test_long_query_is_truncated_with_notice(catalogue):
    result = search("products", SearchQuery(text="苹果 " + "很" * 3000))
    assert result.notice and len(result.query) <= 200


def test_empty_index_and_empty_query(app, db):
    result = search("products", SearchQuery(text="苹果"))
    assert result.total == 0 and result.ids == [] and result.error is None
    assert search("products", SearchQuery()).total == 0
