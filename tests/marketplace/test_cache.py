"""The read-path cache (in-process and Redis), its invalidation, and SQL statements per read page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.marketplace.perf_helpers import bulk_catalogue, count_statements, redis_url_or_none


@pytest.fixture(params=["in-process", "redis"])
def backend(request, app_config):
    """Configure app_config for the backend; Redis runs only when one answers."""
    if request.param == "redis":
        url = redis_url_or_none()
        if url is None:
            pytest.skip("no Redis at TEST_REDIS_URL / REDIS_URL / 127.0.0.1:6379")
        app_config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url, CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}:")
    return request.param


@pytest.fixture
def capp(backend, app):
    """The test app with the chosen cache backend (app is built from app_config after backend set it)."""
    from marketplace.cache import clear

    expected = "RedisCache" if backend == "redis" else "SimpleCache"
    assert app.extensions["marketplace_cache"]["type"] == expected
    yield app
    clear()


def test_cached_value_is_reused_until_the_group_is_bumped(capp):
    from marketplace.cache import bump, cached, version

    calls = []

    def build():
        calls.append(1)
        return {"ids": [3, 1, 2]}

    assert cached("g1", "k", build) == {"ids": [3, 1, 2]}
    assert cached("g1", "k", build) == {"ids": [3, 1, 2]}
    assert len(calls) == 1
    before = version("g1")
    bump("g1")
    assert version("g1") != before
    assert cached("g1", "k", build) == {"ids": [3, 1, 2]}
    assert len(calls) == 2
    # other groups are untouched
    assert cached("g2", "k", lambda: "x") == "x"
    bump("g1")
    assert cached("g2", "k", lambda: "y") == "x"


def test_a_bump_reaches_every_worker(capp, app_config):
    """Two apps on the same DATA_DIR / Redis stand for two gunicorn workers."""
    from marketplace.cache import bump, cached, version

    other = create_app(app_config)
    with other.app_context():
        assert cached("shared", "k", lambda: "old") == "old"
        v_other = version("shared")
    bump("shared")  # in the first "worker"
    with other.app_context():
        assert version("shared") != v_other
        assert cached("shared", "k", lambda: "new") == "new"
        _db.session.remove()


def test_category_rename_shows_at_once(capp, client):
    from catalog.categories import load_categories
    from catalog.models import Category

    load_categories()
    assert "水果" in client.get("/categories").get_data(as_text=True)
    with count_statements(_db.engine) as seen:
        client.get("/categories")
    assert not any("FROM categories" in s for s in seen), "the tree should come from the cache"

    fruit = _db.session.scalar(sa.select(Category).where(Category.path == "农产品/水果"))
    fruit.name = "新鲜水果专区"
    _db.session.commit()
    html = client.get("/categories").get_data(as_text=True)
    assert "新鲜水果专区" in html
    # and on the home page
    assert "新鲜水果专区" in client.get("/").get_data(as_text=True)


def test_bulk_statement_on_categories_bumps(capp):
    from catalog.categories import load_categories
    from catalog.models import Category
    from marketplace.cache import version

    load_categories()
    before = version("catalog")
    _db.session.execute(sa.update(Category).where(Category.code == "agri.fruit").values(sort_order=999))
    _db.session.commit()
    assert version("catalog") != before


def test_rolled_back_change_does_not_bump(capp):
    from catalog.categories import load_categories
    from catalog.models import Category
    from marketplace.cache import version

    load_categories()
    before = version("catalog")
    fruit = _db.session.scalar(sa.select(Category).where(Category.code == "agri.fruit"))
    fruit.name = "不会保存"
    _db.session.flush()
    _db.session.rollback()
    assert version("catalog") == before


def test_home_featured_follows_product_changes(capp, client, make_shop):
    from catalog.categories import load_categories
    from catalog.models import Product, ProductStatus

    load_categories()
    shop = make_shop()
    ids = bulk_catalogue(_db, [shop], 14)  # 12 are featured (at most two per shop -> fewer), newest first
    html = client.get("/").get_data(as_text=True)
    newest, oldest = ids[0], ids[-1]
    assert f"/p/{newest}" in html and f"/p/{oldest}" not in html

    # hiding a featured product: gone from the very next page (rows are re-read, and the version bumps)
    p = _db.session.get(Product, newest)
    p.status = ProductStatus.HIDDEN
    _db.session.commit()
    assert f"/p/{newest}\"" not in client.get("/").get_data(as_text=True)

    # the oldest product republished now: the cached choice is rebuilt and shows it
    q = _db.session.get(Product, oldest)
    q.published_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    _db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert f"/p/{oldest}\"" in html


def test_checkout_stock_updates_do_not_empty_the_cache(capp):
    """Bulk stock updates (checkout) are deliberately not watched: see catalog.home_cache."""
    from catalog.models import Variant
    from marketplace.cache import version

    before = version("catalog")
    _db.session.execute(sa.update(Variant).where(Variant.id == -1).values(stock=Variant.stock - 1))
    _db.session.commit()
    assert version("catalog") == before


def test_redis_down_serves_uncached(app_config):
    app_config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    application = create_app(app_config)
    with application.app_context():
        from marketplace.cache import cached

        assert cached("g", "k", lambda: 42) == 42
        _db.session.remove()
        _db.engine.dispose()


# --- SQL statements per read page: fixed, not growing with the data ---------------------------

#: Statements per anonymous request once caches are warm (the page's own queries, nothing per row).
#: The product and shop pages get their review totals joined to their product or shop (the load
#: options reviews adds; the latest reviews cost one more only when there are some). The shop's
#: product list counts its total once per catalogue version, as the category page does
#: (catalog.queries.listing_page). The product page: the product with its photos and review totals,
#: its variants with their tiers, the related cards (their choice cached, or made by the same
#: statement) (7 before: photos, tiers, the origin's chain and the related choice were statements of
#: their own; then 4 with the totals on their own). The category page: its listing's cards alone (the
#: category, its children and the tree's ids come from the cached category index: 4 before). The shop
#: page: the shop with its review totals, its cards (its region's path from the cached chain: 4 before,
#: then 3). Home: its cards and the newest shops are kept under the catalogue's and the shops' versions
#: (2 before).
EXPECTED = {"home": 0, "category": 1, "product": 3, "shop": 2, "search": 1}


def _page_counts(client, product_id: int, slug: str) -> dict[str, int]:
    urls = {"home": "/", "category": "/c/agri", "product": f"/p/{product_id}", "shop": f"/shops/{slug}",
            "search": "/search?q=%E9%85%A5%E6%A2%A8"}
    out = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm: caches, searcher, templates
        _db.session.remove()  # as in a server: each request starts with an empty identity map
        with count_statements(_db.engine) as seen:
            response = client.get(url)
        assert response.status_code == 200
        out[name] = len(seen)
    return out


@pytest.mark.parametrize("shops,per_shop", [(1, 3), (6, 40)])
def test_sql_statements_per_read_page(app, client, make_shop, shops, per_shop):
    from catalog.categories import load_categories
    from search.backend import current_backend

    load_categories()
    the_shops = [make_shop() for _ in range(shops)]
    ids = bulk_catalogue(_db, the_shops, per_shop)
    current_backend().rebuild("products")
    # the first product: one with related products at both sizes (none are read when there are none)
    counts = _page_counts(client, ids[0], the_shops[0].slug)
    assert counts == EXPECTED
