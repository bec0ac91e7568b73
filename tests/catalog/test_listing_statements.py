"""What a public listing page costs in SQL statements: the same at page 1 and page 200 of a big
listing, and the same at two data sizes (issue 20). Each listing is grown by a bulk insert from a
small size to more than 200 pages; its pages are counted once warm (a first request may fill a
per-process cache or the cached total, which is not the page's cost)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from marketplace.cache import bump
from marketplace.extensions import db as _db
from tests.marketplace.perf_helpers import count_statements

_ids = itertools.count(1)


def _next_id(model) -> int:
    return (_db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _fix_sequences(*tables: str) -> None:
    if _db.engine.dialect.name == "postgresql":
        for table in tables:
            _db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        _db.session.commit()


def bulk_products(shops: list, n: int, category_id: int, origin_id: int | None = None) -> None:
    """``n`` published products spread over ``shops`` (rows only: what a listing reads), in one insert."""
    from catalog.models import Product

    start, now = _next_id(Product), dt.datetime.now(dt.UTC)
    rows = []
    for k in range(n):
        pid, shop = start + k, shops[k % len(shops)]
        published = now - dt.timedelta(minutes=pid)
        rows.append({"id": pid, "shop_id": shop.id, "category_id": category_id, "code": f"L{pid}",
                     "title": f"宁陵酥梨 {pid}号", "origin_region_id": origin_id or shop.region_id,
                     "attributes": [], "certifications": [], "status": "published",
                     "min_price_cents": 1000 + (k * 37) % 500, "in_stock": True, "primary_image": None,
                     "created_at": published, "updated_at": published, "published_at": published})
    _db.session.execute(sa.insert(Product), rows)
    _db.session.commit()
    _fix_sequences("products")
    bump("catalog")  # products' bulk statements do not bump the catalogue (hot stock updates): a service would


def bulk_shops(n: int, region_id: int) -> None:
    from marketplace.shops.models import Shop

    start, now = _next_id(Shop), dt.datetime.now(dt.UTC)
    _db.session.execute(sa.insert(Shop), [
        {"id": start + k, "slug": f"bulk-{start + k}", "name": f"批发店{start + k}", "shop_type": "enterprise",
         "status": "approved", "region_id": region_id, "address": "人民路 1 号", "phone": "0370-1234567",
         "licence_number": "91411400MA0000000X", "approved_at": now - dt.timedelta(minutes=start + k)}
        for k in range(n)])
    _db.session.commit()
    _fix_sequences("shops")


def bulk_supply(shop, n: int, category_id: int) -> None:
    from sourcing.supply_models import SupplyPost

    start, today, now = _next_id(SupplyPost), dt.date.today(), dt.datetime.now(dt.UTC)
    _db.session.execute(sa.insert(SupplyPost), [
        {"id": start + k, "shop_id": shop.id, "category_id": category_id, "title": f"新椒 {start + k}",
         "quantity": 100, "unit": "公斤", "available_from": today, "available_until": today + dt.timedelta(days=30),
         "region_id": shop.region_id, "status": "open", "created_at": now - dt.timedelta(minutes=start + k)}
        for k in range(n)])
    _db.session.commit()
    _fix_sequences("sourcing_supply_posts")


def cost(client, url: str) -> int:
    client.get(url)
    _db.session.expire_all()
    with count_statements(_db.engine) as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(seen)


def costs(client, url: str, pages=(1, 2)) -> list[int]:
    sep = "&" if "?" in url else "?"
    return [cost(client, f"{url}{sep}page={p}") for p in pages]


def _category(code: str):
    from catalog.models import Category

    return _db.session.scalar(sa.select(Category).where(Category.code == code))


#: A listing page of 24, grown past 200 pages.
BIG = 200 * 24 + 30


@pytest.fixture
def shops(make_shop):
    return [make_shop(name=f"宁陵梨园{k}") for k in range(3)]


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc"])
def test_category_page_costs_the_same_at_any_depth_and_size(client, categories, shops, sort):
    fruit = _category("agri.fruit")
    bulk_products(shops, 50, fruit.id)
    url = f"/c/agri?sort={sort}"  # the parent: the category and those below it
    small = costs(client, url)
    bulk_products(shops, BIG, fruit.id)
    large = costs(client, url, pages=(1, 2, 100, 200, 201))
    assert len(set(small + large)) == 1, (small, large)
    pages = -(-(50 + BIG) // 24)
    html = client.get(f"/c/agri?sort={sort}&page=201").get_data(as_text=True)
    assert f"第 201 / {pages} 页" in html and html.count('class="card product-card"') == 24
    # a numbered pager: the first, the last and two either side, each a working ?page=N link
    for n in (1, 199, 200, 202, 203, pages):
        assert f'page={n}">{n}</a>' in html, n
    assert '<span aria-current="page">201</span>' in html and "page=198" not in html
    last = client.get(f"/c/agri?sort={sort}&page={pages}").get_data(as_text=True)
    assert last.count('class="card product-card"') == (50 + BIG) % 24 or 24


def test_deep_pages_hold_the_listing_in_order_from_either_end(client, categories, shops):
    """The walk from the end (past the middle) gives the same rows as the walk from the start."""
    from catalog import queries
    from catalog.models import Product

    fruit = _category("agri.fruit")
    bulk_products(shops, 24 * 9 + 5, fruit.id)
    for sort in queries.SORT_KEYS:
        expected = list(_db.session.scalars(sa.select(Product.id).where(Product.category_id == fruit.id)
                                            .order_by(*queries.SORTS[sort])))
        seen = []
        for number in range(1, 12):
            page = queries.listing_page(queries.in_categories([fruit.id]), sort, count_key=f"t:{sort}", page=number)
            assert page.total == len(expected) and page.pages == 10
            seen.extend(p.id for p in page.items)
        assert seen == expected, sort


def test_a_suspended_shops_products_leave_the_listing(client, categories, shops):
    from marketplace.shops.models import ShopStatus

    fruit = _category("agri.fruit")
    bulk_products(shops, 30, fruit.id)
    shops[0].status = ShopStatus.SUSPENDED
    _db.session.commit()
    html = client.get("/c/agri.fruit").get_data(as_text=True)
    assert "共 20 件商品" in html
    assert shops[0].name not in html and shops[1].name in html


def test_county_page_costs_the_same_at_any_depth_and_size(client, categories, shops):
    fruit = _category("agri.fruit")
    bulk_products(shops, 50, fruit.id)
    small = costs(client, "/county/411424")
    bulk_products(shops, BIG, fruit.id)
    large = costs(client, "/county/411424?sort=price_asc", pages=(1, 2, 200, 201))
    assert len(set(small + large)) == 1, (small, large)


def test_shop_page_products_cost_the_same_at_any_depth_and_size(client, categories, shops):
    fruit = _category("agri.fruit")
    bulk_products(shops[:1], 50, fruit.id)
    url = f"/shops/{shops[0].slug}"
    small = costs(client, url)
    bulk_products(shops[:1], BIG, fruit.id)
    large = costs(client, url, pages=(1, 2, 200, 201))
    assert len(set(small + large)) == 1, (small, large)


def test_region_page_products_cost_the_same_at_any_depth_and_size(client, categories, shops):
    from tests.marketplace.region_page_helpers import region

    fruit = _category("agri.fruit")
    town = region("起台镇")
    bulk_products(shops, 30, fruit.id, origin_id=town.id)
    client.get("/regions/411424")  # the first request registers the search node (once per process)
    small = costs(client, "/regions/411424")
    bulk_products(shops, 200 * 12 + 10, fruit.id, origin_id=town.id)  # the block shows 12 a page
    large = costs(client, "/regions/411424", pages=(1, 2, 200, 201))
    assert len(set(small + large)) == 1, (small, large)


def test_shop_directory_costs_the_same_at_any_depth_and_size(client, regions, shops):
    region_id = shops[0].region_id
    bulk_shops(30, region_id)
    small = costs(client, "/shops")
    bulk_shops(BIG, region_id)
    large = costs(client, "/shops", pages=(1, 2, 200, 201))
    assert len(set(small + large)) == 1, (small, large)


@pytest.mark.parametrize("kind", ["supply", ""])
def test_supply_board_costs_the_same_at_any_depth_and_size(client, categories, shops, kind):
    fruit = _category("agri.fruit")
    bulk_supply(shops[0], 30, fruit.id)
    url = f"/sourcing?type={kind}"
    small = costs(client, url)
    bulk_supply(shops[0], 200 * 20 + 10, fruit.id)  # 20 a page
    large = costs(client, url, pages=(1, 2, 200, 201))
    assert len(set(small + large)) == 1, (small, large)


def bulk_reviews(product, buyer, n: int) -> None:
    """``n`` reviews of ``product`` by ``buyer``, each on a line of one delivered order (rows only)."""
    from orders.models import Order, OrderGroup, OrderLine
    from reviews.models import Review

    variant = product.variants[0]
    now = dt.datetime.now(dt.UTC)
    group_id, order_id, line_id, review_id = (_next_id(m) for m in (OrderGroup, Order, OrderLine, Review))
    _db.session.execute(sa.insert(OrderGroup), [{"id": group_id, "buyer_id": buyer.id, "subtotal_cents": 0,
                                                  "idempotency_key": f"bulk-{group_id}", "fee_cents": 0,
                                                  "total_cents": 0, "created_at": now,
                                                  "expires_at": now + dt.timedelta(minutes=30)}])
    _db.session.execute(sa.insert(Order), [{
        "id": order_id, "group_id": group_id, "shop_id": product.shop_id, "buyer_id": buyer.id,
        "number": f"{now:%Y%m%d}-{order_id:06d}-1", "status": "completed", "fulfilment": "pickup",
        "pickup_address": "店内自提", "pickup_hours": "8:00-18:00", "note": "", "subtotal_cents": 0, "fee_cents": 0,
        "total_cents": 0, "created_at": now, "updated_at": now, "expires_at": now + dt.timedelta(minutes=30),
        "paid_at": now, "completed_at": now}])
    _db.session.execute(sa.insert(OrderLine), [{
        "id": line_id + k, "order_id": order_id, "variant_id": variant.id, "product_id": product.id,
        "product_title": product.title, "variant_name": variant.name, "unit": "件", "quantity": 1,
        "unit_price_cents": 1000, "base_price_cents": 1000, "tier_min_quantity": None, "line_total_cents": 1000,
        "weight_grams": None} for k in range(n)])
    _db.session.execute(sa.insert(Review), [{
        "id": review_id + k, "order_line_id": line_id + k, "order_id": order_id, "product_id": product.id,
        "shop_id": product.shop_id, "buyer_id": buyer.id, "product_title": product.title, "variant_name": "",
        "quality": 5, "weight": 5, "delivery": 4, "text": f"很好 {k}", "created_at": now - dt.timedelta(minutes=k)}
        for k in range(n)])
    _db.session.commit()
    _fix_sequences("order_groups", "orders", "order_lines", "reviews")


def test_review_list_costs_the_same_at_any_depth_and_size(client, make_product, make_user):
    product = make_product(title="宁陵酥梨")
    buyer = make_user()
    bulk_reviews(product, buyer, 15)
    url = f"/p/{product.id}/reviews"
    small = costs(client, url)
    bulk_reviews(product, buyer, 200 * 10 + 5)  # 10 a page
    large = costs(client, url, pages=(1, 2, 200, 201))
    assert len(set(small + large)) == 1, (small, large)
    assert client.get(f"{url}?page=201").get_data(as_text=True).count("很好 ") == 10
