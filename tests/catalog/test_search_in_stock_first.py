"""in_stock_first=1 on /search and GET /api/v1/products: in-stock products first, each part in its order."""

from __future__ import annotations

from search import SearchQuery, search
from tests.catalog import search_fixtures

add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops
app_config = search_fixtures.app_config  # both backends where the database is PostgreSQL


def _ids(text, **kw):
    return search("products", SearchQuery(text=text, **kw)).ids


def test_in_stock_products_come_first_in_relevance_order(catalogue, add_product):
    sold_out = add_product("红富士苹果", stock=0)  # the shortest title: first by relevance
    small = add_product("红富士苹果 小果 10斤", stock=5)
    plain = _ids("红富士")
    assert plain[0] == sold_out.id
    first = _ids("红富士", prefer=("in_stock",))
    assert sorted(first) == sorted(plain)  # the same products, reordered
    in_stock = [i for i in plain if i != sold_out.id]
    assert first == [*in_stock, sold_out.id]  # relevance order kept within each part
    assert small.id in first
    # paging goes through both parts
    assert search("products", SearchQuery(text="红富士", prefer=("in_stock",), per_page=1, page=len(first))).ids \
        == [sold_out.id]
    # an unknown field is ignored, not an error
    assert _ids("红富士", prefer=("nope",)) == plain


def test_works_with_other_sorts(catalogue):
    by_price = _ids("", sort="price_cents", prefer=("in_stock",))
    stocked = {p.id for p in catalogue.values() if p.in_stock}
    n = len(stocked)
    assert set(by_price[:n]) == stocked and not set(by_price[n:]) & stocked


def test_page_and_api(catalogue, add_product, client):
    sold_out = add_product("红富士苹果", stock=0)
    html = client.get("/search?q=红富士").get_data(as_text=True)
    assert 'name="in_stock_first"' in html and "有货的排在前面" in html
    assert html.index(f"/p/{sold_out.id}\"") < html.index(f'/p/{catalogue["apple"].id}"')
    html = client.get("/search?q=红富士&in_stock_first=1").get_data(as_text=True)
    assert html.index(f'/p/{catalogue["apple"].id}"') < html.index(f"/p/{sold_out.id}\"")
    assert 'name="in_stock_first" value="1" checked' in html
    data = client.get("/api/v1/products?q=红富士&in_stock_first=1").get_json()
    assert data["in_stock_first"] is True
    assert [i["in_stock"] for i in data["items"]] == sorted((i["in_stock"] for i in data["items"]), reverse=True)
    assert data["items"][-1]["id"] == sold_out.id
    plain = client.get("/api/v1/products?q=红富士&in_stock_first=nonsense").get_json()
    assert plain["in_stock_first"] is False and plain["items"][0]["id"] == sold_out.id
    en = client.get("/search?q=红富士&lang=en", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In stock first" in en
