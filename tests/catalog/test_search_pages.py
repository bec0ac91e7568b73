"""The search page and GET /api/v1/products."""

from __future__ import annotations

import sqlalchemy as sa

from tests.catalog import search_fixtures

# fixtures shared by the search tests (assigned, not imported, so they are not shadowed names)
add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops
app_config = search_fixtures.app_config


def test_search_page_shows_highlighted_results(catalogue, client):
    response = client.get("/search?q=pingguo")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "烟台红富士<mark>苹果</mark> 5斤装" in html
    assert "特价&lt;b&gt;<mark>苹果</mark>" in html
    assert "共 3 件商品" in html
    assert f'/p/{catalogue["apple"].id}' in html
    assert "<details" in html and 'name="county"' in html
    assert "柘城县 (2)" in html  # facet count for the county select


def test_header_search_box_posts_to_search(catalogue, client):
    html = client.get("/search").get_data(as_text=True)
    assert 'action="/search"' in html and 'name="q"' in html


def test_search_page_filters_and_sorts(catalogue, client):
    html = client.get("/search", query_string={"category": "农产品/水果", "sort": "price_desc",
                                               "min_price": "10", "max_price": "40"}).get_data(as_text=True)
    assert "共 3 件商品" in html
    assert html.index("宁陵金顶谢花酥梨") < html.index("特价") < html.index("烟台红富士")
    html = client.get("/search", query_string={"q": "苹果", "in_stock": "1", "county": "宁陵县"}).get_data(as_text=True)
    assert "共 1 件商品" in html and "嘎啦" in html


def test_bad_price_gets_a_message_and_is_ignored(catalogue, client):
    html = client.get("/search", query_string={"q": "苹果", "min_price": "abc"}).get_data(as_text=True)
    assert "金额格式不正确" in html and "共 3 件商品" in html


def test_search_page_pagination(catalogue, client, add_product):
    for n in range(30):
        add_product(f"富士苹果 {n} 号")
    html = client.get("/search?q=苹果").get_data(as_text=True)
    assert "共 33 件商品" in html and 'rel="next"' in html
    html2 = client.get("/search?q=苹果&page=2").get_data(as_text=True)
    assert 'rel="prev"' in html2 and "第 2 / 2 页" in html2
    assert client.get("/search?q=苹果&page=abc").status_code == 200


def test_search_page_loads_products_without_n_plus_1(catalogue, client, add_product, db):
    for n in range(20):
        add_product(f"富士苹果 {n} 号", shop=["coop", "farm", "ent"][n % 3])
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/search?q=苹果").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    product_selects = [s for s in statements if "FROM products" in s]
    assert len(product_selects) <= 2, product_selects
    assert len(statements) <= 6, statements


def test_products_api(app, catalogue, client):
    data = client.get("/api/v1/products?q=lajiao").get_json()
    # lajiao stands for 辣椒: the chili first, then the apples of 柘城辣椒合作社 (a shop name)
    assert data["total"] == 3 and data["page"] == 1 and data["per_page"] == 20
    item = data["items"][0]
    assert item["id"] == catalogue["chili"].id
    assert item["title"] == "柘城三樱椒 干辣椒"
    assert item["title_html"] == "柘城三樱椒 干<mark>辣椒</mark>"
    assert item["price"] == "25.00" and item["price_cents"] == 2500
    assert item["shop"]["name"] == "柘城辣椒合作社"
    assert item["origin"] == "柘城县"
    assert item["url"] == f"/p/{catalogue['chili'].id}"
    assert "subtitle" in item and "image" in item
    assert {"value": "柘城县", "label": "柘城县", "count": 3} in data["facets"]["county"]

    data = client.get("/api/v1/products", query_string={"sort": "price_asc", "per_page": 2, "page": 2}).get_json()
    assert data["total"] == 10 and len(data["items"]) == 2 and data["pages"] == 5
    assert [i["price_cents"] for i in data["items"]] == [1200, 1500]
    facets = client.get("/api/v1/products").get_json()["facets"]
    assert {"value": "gi", "label": "地理标志产品", "count": 2} in facets["cert"]
    assert facets["in_stock"] == 8
    assert client.get("/api/v1/products?per_page=abc&page=-1").status_code == 200
