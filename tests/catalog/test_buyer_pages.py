"""Buyer pages and the product API: visibility, safe Markdown, constant query counts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import ProductStatus
from tests.catalog.catalog_helpers import png_bytes, variant_row


@pytest.fixture
def origin(db, regions):
    from marketplace.regions.models import Region

    return db.session.scalar(sa.select(Region).where(Region.name == "柘城县"))


def test_product_page_shows_variants_tiers_and_facts(db, client, make_product, origin):
    from catalog.images import add_image

    product = make_product(title="柘城三樱椒", origin=origin, attributes=[["品种", "三樱椒"]], certifications=["gi"],
                           variants=[variant_row(name="25kg 袋", unit="袋", price=60000, weight_grams=25000, moq=2,
                                                 step=2, tiers=[(10, 55000)]),
                                     variant_row(name="散装", unit="斤", price=1200, stock=0, tiers=())])
    add_image(product, png_bytes(1200, 900))
    html = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "柘城三樱椒" in html and "25kg 袋" in html and "散装" in html
    assert "¥550.00" in html and "≥ 10" in html and "2–9" in html
    assert "起批 2 袋" in html and "按 2 袋 递增" in html
    assert "¥24.00" in html  # 600.00 / 25 kg
    assert "地理标志产品" in html and "三樱椒" in html and "缺货" in html
    assert "-800.webp" in html and "srcset" in html and "1600w" in html
    assert "/county/411424" in html


def test_markdown_is_rendered_safely(db, client, make_product):
    product = make_product(description="**好吃**\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(1)) "
                                       "[官网](https://example.com) <img src=x onerror=alert(1)>")
    html = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "<strong>好吃</strong>" in html
    assert "<script>alert(1)" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in html
    assert 'href="https://example.com" rel="nofollow noopener ugc"' in html


@pytest.mark.parametrize("case", ["draft", "hidden", "deleted", "pending_shop", "suspended_shop", "missing"])
def test_unavailable_products_are_404_on_page_and_api(db, client, make_product, make_shop, owner, case):
    from catalog.services import set_status, soft_delete
    from marketplace.shops.models import ShopStatus

    if case in ("pending_shop", "suspended_shop"):
        s = make_shop(status=ShopStatus.APPROVED)
        product = make_product(the_shop=s)
        s.status = ShopStatus.PENDING if case == "pending_shop" else ShopStatus.SUSPENDED
        db.session.commit()
    else:
        product = make_product(status=ProductStatus.DRAFT if case == "draft" else ProductStatus.PUBLISHED)
        if case == "hidden":
            set_status(product, ProductStatus.HIDDEN, owner)
        if case == "deleted":
            soft_delete(product, owner)
    pid = product.id + (1000 if case == "missing" else 0)
    assert client.get(f"/p/{pid}").status_code == 404
    response = client.get(f"/api/v1/products/{pid}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_product_api_json(db, client, make_product, origin):
    product = make_product(origin=origin, variants=[variant_row(price=1250, tiers=[(10, 1100), (100, 950)], moq=5,
                                                                step=5, unit="kg")])
    data = client.get(f"/api/v1/products/{product.id}").get_json()
    assert data["id"] == product.id and data["title"] == product.title
    v = data["variants"][0]
    assert (v["price_cents"], v["price"]["amount"], v["price"]["formatted"]) == (1250, "12.50", "¥12.50")
    assert [(t["min_quantity"], t["unit_price_cents"]) for t in v["tiers"]] == [(10, 1100), (100, 950)]
    assert (v["stock"], v["moq"], v["step"], v["unit"], v["price_per_kg_cents"]) == (100, 5, 5, "kg", 1250)
    assert data["shop"]["slug"] == product.shop.slug and data["origin"]["name"] == "柘城县"
    assert data["category"]["path"] == "农产品/水果"


def test_category_page_includes_subcategories_sorts_and_paginates(db, client, make_product):
    for i in range(30):
        make_product(title=f"苹果{i:02d}", variants=[variant_row(price=1000 + i, tiers=())])
    make_product(title="面粉", category="农产品/粮油")
    make_product(title="草稿", status=ProductStatus.DRAFT)
    html = client.get("/c/agri?sort=price_asc").get_data(as_text=True)
    assert "共 31 件商品" in html and "苹果00" in html and "草稿" not in html
    assert "第 1 / 2 页" in html
    html = client.get("/c/agri.fruit?sort=price_desc&page=2").get_data(as_text=True)
    assert "苹果00" in html and "苹果29" not in html
    assert client.get("/c/nope").status_code == 404
    assert client.get("/c/agri?page=abc").status_code == 200


def test_county_page(db, client, make_product, origin, regions):
    from marketplace.regions.models import Region

    township = db.session.scalar(sa.select(Region).where(Region.parent_id == origin.id))
    make_product(title="柘城辣椒", origin=origin)
    make_product(title="乡镇辣椒", origin=township)
    make_product(title="外地货")
    html = client.get(f"/county/{origin.code}").get_data(as_text=True)
    assert "柘城辣椒" in html and "乡镇辣椒" in html and "外地货" not in html
    assert "三樱椒" in html  # the county's specialties
    assert client.get("/county/999999").status_code == 404


def test_home_page_blocks(db, client, make_product, origin):
    from catalog.images import add_image

    product = make_product(title="首页辣椒", origin=origin)
    add_image(product, png_bytes())
    html = client.get("/").get_data(as_text=True)
    assert "商品分类" in html and "农产品" in html
    assert "新品推荐" in html and "一县一品" in html and html.count("首页辣椒") >= 2


def test_shop_page_lists_its_products(db, client, make_product, shop):
    make_product(title="本店商品甲")
    make_product(title="本店草稿", status=ProductStatus.DRAFT)
    html = client.get(f"/shops/{shop.slug}").get_data(as_text=True)
    assert "本店商品甲" in html and "本店草稿" not in html


def test_categories_page(db, client, categories):
    html = client.get("/categories").get_data(as_text=True)
    for name in ("农产品", "农资", "工业品", "有色金属", "干货调料"):
        assert name in html


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, *args, **kwargs):
        self.count += 1


def _statements(db, client, url: str) -> int:
    client.get(url)  # warm caches (categories, regions lookups happen the same way each time)
    db.session.remove()
    with QueryCounter(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("url", ["/c/agri.fruit", "/c/agri", "/county/411424", "/", "/shops/{slug}"])
def test_listing_pages_use_a_constant_number_of_queries(db, client, make_product, make_shop, origin, url):
    from catalog.images import add_image
    from marketplace.regions.models import Region
    from marketplace.shops.models import Shop

    shop_ids = [make_shop(name=f"店{i}").id for i in range(4)]
    origin_id = origin.id
    slug = db.session.get(Shop, shop_ids[0]).slug

    def add(n):
        shops = [db.session.get(Shop, sid) for sid in shop_ids]
        where = db.session.get(Region, origin_id)
        for i in range(n):
            p = make_product(title=f"商品{i}", origin=where, the_shop=shops[i % 4],
                             attributes=[["品种", "x"]], variants=[variant_row(), variant_row(name="b")])
            if i % 3 == 0:
                add_image(p, png_bytes(colour=(i, 1, 1)))

    url = url.format(slug=slug)
    add(20)
    twenty = _statements(db, client, url)
    add(20)
    forty = _statements(db, client, url)
    assert twenty == forty, (twenty, forty)
    assert twenty <= 12


def test_product_page_query_count_does_not_grow_with_variants(db, client, make_product):
    few = make_product(variants=[variant_row(name=f"v{i}") for i in range(2)]).id
    many = make_product(variants=[variant_row(name=f"v{i}") for i in range(12)]).id
    assert _statements(db, client, f"/p/{few}") == _statements(db, client, f"/p/{many}")
