"""The whole-page cache for anonymous visitors (marketplace.page_cache): hits, per-visitor CSRF
tokens, invalidation, who is never served from it, and both stores (in-process, Redis)."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.conftest import _fresh_g_per_request, csrf_token_from, empty_tables
from tests.marketplace.perf_helpers import bulk_catalogue, count_statements, redis_url_or_none


def _build(app_config):
    application = create_app(app_config)
    _fresh_g_per_request(application)
    return application


@pytest.fixture(params=["in-process", "redis"])
def page_config(request, app_config):
    """The page cache on and CSRF checked, as in production; the store in-process or Redis."""
    app_config.update(PAGE_CACHE_SECONDS=30, WTF_CSRF_ENABLED=True)
    if request.param == "redis":
        url = redis_url_or_none()
        if url is None:
            pytest.skip("no Redis at TEST_REDIS_URL / REDIS_URL / 127.0.0.1:6379")
        app_config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url, CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}:")
    return app_config


@pytest.fixture
def page_app(page_config, app):
    return app


@pytest.fixture
def catalogue(page_app, make_shop):
    from catalog.categories import load_categories
    from search.backend import current_backend

    load_categories()
    shop = make_shop(name="宁陵酥梨合作社")
    ids = bulk_catalogue(_db, [shop], 6)
    current_backend().rebuild("products")
    return shop, ids


def _placeholder(app) -> str:
    return app.extensions["marketplace_page_cache"]["placeholder"].decode()


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def _raw(app, token: str) -> str:
    """The session secret a CSRF token stands for (Flask-WTF signs it with a timestamp)."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").loads(token)


def _same_page(html_a: str, html_b: str) -> bool:
    return re.sub(r'name="csrf_token" value="[^"]+"', "T", html_a) == re.sub(r'name="csrf_token" value="[^"]+"', "T", html_b)


def _get(client, url, **kw):
    _db.session.remove()  # as in a server: every request starts with an empty identity map
    return client.get(url, **kw)


def test_second_anonymous_visit_is_a_hit_and_runs_no_sql(page_app, catalogue):
    shop, ids = catalogue
    client = page_app.test_client()
    for url in ["/", "/categories", "/c/agri", f"/p/{ids[0]}", f"/shops/{shop.slug}", "/shops",
                "/search?q=%E9%85%A5%E6%A2%A8"]:
        first = _get(client, url)
        assert first.status_code == 200, url
        assert first.headers["X-Page-Cache"] == "miss", url
        with count_statements(_db.engine) as seen:
            second = _get(client, url)
        assert second.status_code == 200
        assert second.headers["X-Page-Cache"] == "hit", url
        assert seen == [], f"{url}: a hit should not touch the database: {seen}"
        # the same page, and the same visitor's token (a token is signed with the second it was
        # issued in, so two requests either side of a second boundary differ in the signature only)
        html_1, html_2 = first.get_data(as_text=True), second.get_data(as_text=True)
        assert _same_page(html_1, html_2), url
        assert len({_raw(page_app, t) for t in _tokens(html_1) | _tokens(html_2)}) == 1, url
        assert _placeholder(page_app) not in second.get_data(as_text=True)
        assert second.headers["Content-Type"].startswith("text/html")
        assert second.headers["X-Content-Type-Options"] == "nosniff"  # the usual headers still apply


def test_each_visitor_gets_his_own_working_csrf_token(page_app, catalogue):
    _shop, ids = catalogue
    url = f"/p/{ids[1]}"
    alice, bob = page_app.test_client(), page_app.test_client()
    page_a = _get(alice, url)
    page_b = _get(bob, url)
    assert page_b.headers["X-Page-Cache"] == "hit"
    html_a, html_b = page_a.get_data(as_text=True), page_b.get_data(as_text=True)
    tokens_a, tokens_b = _tokens(html_a), _tokens(html_b)
    assert len(tokens_a) == 1 and len(tokens_b) == 1 and tokens_a != tokens_b
    # apart from the token, one page for both
    assert html_a.replace(tokens_a.pop(), "T") == html_b.replace(tokens_b.pop(), "T")

    # Bob's token from the cached page works for Bob (add to cart on the product page) ...
    variant_id = int(re.search(r'name="variant_id" value="(\d+)"', html_b).group(1))
    added = bob.post("/cart/add", data={"csrf_token": csrf_token_from(html_b), "variant_id": variant_id,
                                        "quantity": 1, "next": url})
    assert added.status_code in (302, 303), added.get_data(as_text=True)[:300]
    # ... and Alice's token is refused in Bob's session
    forged = bob.post("/language", data={"csrf_token": csrf_token_from(html_a), "locale": "en", "next": "/"})
    assert forged.status_code == 400


def test_signed_in_users_are_never_served_from_the_cache(page_app, catalogue, make_user, login):
    _shop, ids = catalogue
    url = f"/p/{ids[2]}"
    anonymous = page_app.test_client()
    _get(anonymous, url)
    assert _get(anonymous, url).headers["X-Page-Cache"] == "hit"

    email = make_user(name="王采购").email
    client = page_app.test_client()
    html = _get(client, "/account/login").get_data(as_text=True)
    client.post("/account/login", data={"email": email, "password": "correct horse 42",
                                        "csrf_token": csrf_token_from(html)})
    response = _get(client, url)
    assert "X-Page-Cache" not in response.headers
    assert "王采购" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_pending_flash_message_is_shown_not_a_cached_page(page_app, catalogue):
    _shop, ids = catalogue
    url = f"/p/{ids[3]}"
    client = page_app.test_client()
    _get(client, url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "已加入采购车")]
    response = _get(client, url)
    assert "X-Page-Cache" not in response.headers
    assert "已加入采购车" in response.get_data(as_text=True)
    assert _get(client, url).headers["X-Page-Cache"] == "hit"  # shown once, then cached again


def test_catalogue_changes_show_at_once(page_app, catalogue):
    from catalog.models import Product, ProductStatus, Variant

    _shop, ids = catalogue
    url = f"/p/{ids[4]}"
    client = page_app.test_client()
    _get(client, url)
    assert _get(client, url).headers["X-Page-Cache"] == "hit"

    variant = _db.session.scalar(sa.select(Variant).where(Variant.product_id == ids[4]).order_by(Variant.id))
    product = _db.session.get(Product, ids[4])
    product.title = "宁陵金顶酥梨 特级"
    variant.price_cents = 98_765
    _db.session.commit()
    response = _get(client, url)
    assert response.headers["X-Page-Cache"] == "miss"
    html = response.get_data(as_text=True)
    assert "宁陵金顶酥梨 特级" in html and "987.65" in html

    product = _db.session.get(Product, ids[4])
    product.status = ProductStatus.HIDDEN
    _db.session.commit()
    assert _get(client, url).status_code == 404


def test_stock_sold_at_checkout_shows_after_the_expiry(page_app, catalogue):
    """Checkout's bulk stock updates do not empty the cache (by design); PAGE_CACHE_SECONDS bounds it."""
    from catalog.models import Variant

    _shop, ids = catalogue
    page_app.config["PAGE_CACHE_SECONDS"] = 2
    url = f"/p/{ids[5]}"
    client = page_app.test_client()
    _get(client, url)
    _db.session.execute(sa.update(Variant).where(Variant.product_id == ids[5]).values(stock=0))
    _db.session.execute(sa.text("UPDATE products SET in_stock = false WHERE id = :id"), {"id": ids[5]})
    _db.session.commit()
    assert _get(client, url).headers["X-Page-Cache"] == "hit"
    time.sleep(2.3)
    response = _get(client, url)
    assert response.headers["X-Page-Cache"] == "miss"
    assert 'action="/cart/add"' not in response.get_data(as_text=True), "sold out: no add-to-cart form"


def test_languages_are_cached_apart(page_app, catalogue):
    client_zh, client_en = page_app.test_client(), page_app.test_client()
    zh = _get(client_zh, "/categories", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    en = _get(client_en, "/categories", headers={"Accept-Language": "en"})
    assert en.headers["X-Page-Cache"] == "miss"
    assert 'lang="en"' in en.get_data(as_text=True) and 'lang="zh-CN"' in zh
    again = _get(client_en, "/categories", headers={"Accept-Language": "en"})
    assert again.headers["X-Page-Cache"] == "hit" and 'lang="en"' in again.get_data(as_text=True)


def test_errors_are_not_cached_and_hostile_queries_are_harmless(page_app, catalogue):
    client = page_app.test_client()
    for _ in range(2):
        missing = _get(client, "/p/999999")
        assert missing.status_code == 404 and "X-Page-Cache" not in missing.headers
        assert _placeholder(page_app) not in missing.get_data(as_text=True)
    hostile = "/search?q=" + "%F0%9F%8D%90%00%27%22%3Cscript%3E" * 60 + "&page=-1&sort=%0d%0a"
    for expected in ("miss", "hit"):
        response = _get(client, hostile)
        assert response.status_code == 200 and response.headers["X-Page-Cache"] == expected
        assert "<script>" not in response.get_data(as_text=True)


def test_another_worker_sees_the_same_versions(page_app, catalogue, app_config):
    """A second app on the same data folder / Redis stands for a second gunicorn worker."""
    from catalog.models import Product

    _shop, ids = catalogue
    url = f"/p/{ids[0]}"
    other = _build(app_config)
    client = page_app.test_client()
    _get(client, url)
    with other.app_context():
        other_client = other.test_client()
        first = other_client.get(url)
        shared = page_app.extensions["marketplace_page_cache"]["shared"]
        assert first.headers["X-Page-Cache"] == ("hit" if shared else "miss")
        _db.session.remove()
    product = _db.session.get(Product, ids[0])
    product.title = "改名以后的酥梨"
    _db.session.commit()  # in this worker
    with other.app_context():
        response = other.test_client().get(url)
        assert response.headers["X-Page-Cache"] == "miss"
        assert "改名以后的酥梨" in response.get_data(as_text=True)
        _db.session.remove()


def test_off_by_default_outside_production(app_config, monkeypatch):
    from marketplace.config import load_config

    monkeypatch.delenv("MARKETPLACE_PAGE_CACHE_SECONDS", raising=False)
    assert load_config(app_config["DATA_DIR"], {"SECRET_KEY": "x"})["PAGE_CACHE_SECONDS"] == 0
    production = load_config(app_config["DATA_DIR"], {"ENV": "production", "SECRET_KEY": "p" * 40,
                                                          "PUBLIC_BASE_URL": "https://market.example.com"})
    assert production["PAGE_CACHE_SECONDS"] == 30
    monkeypatch.setenv("MARKETPLACE_PAGE_CACHE_SECONDS", "-5")  # a negative expiry means off, not "forever"
    assert load_config(app_config["DATA_DIR"], {"SECRET_KEY": "x"})["PAGE_CACHE_SECONDS"] == 0


def test_off_means_rendered_every_time(app, client, make_shop):
    from catalog.categories import load_categories

    load_categories()
    for _ in range(2):
        response = client.get("/categories")
        assert response.status_code == 200 and "X-Page-Cache" not in response.headers


def test_redis_down_renders_the_page(app_config):
    app_config.update(PAGE_CACHE_SECONDS=30, CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    application = _build(app_config)
    with application.app_context():
        from catalog.categories import load_categories

        load_categories()
        response = application.test_client().get("/categories")
        assert response.status_code == 200 and "X-Page-Cache" not in response.headers
        assert _placeholder(application) not in response.get_data(as_text=True)
        _db.session.remove()
    empty_tables(application)


def test_a_variant_selling_out_or_coming_back_shows_at_once(page_app, catalogue):
    """Checkout's stock updates keep the cache, except when a variant runs out or is restocked
    from nothing (catalog.services.stock bumps the catalogue then): "add to cart" goes and comes back at once."""
    from catalog.models import Variant
    from catalog.services.stock import release_many, reserve_many

    _shop, ids = catalogue
    url = f"/p/{ids[1]}"
    client = page_app.test_client()
    variants = _db.session.scalars(sa.select(Variant).where(Variant.product_id == ids[1]).order_by(Variant.id)).all()
    stock = {v.id: v.stock for v in variants}
    assert 'action="/cart/add"' in _get(client, url).get_data(as_text=True)

    reserve_many({variants[0].id: 1})  # one unit sold: the cached page stays (by design)
    _db.session.commit()
    assert _get(client, url).headers["X-Page-Cache"] == "hit"

    reserve_many({variants[0].id: stock[variants[0].id] - 1, variants[1].id: stock[variants[1].id]})
    _db.session.commit()  # both variants sold out
    response = _get(client, url)
    assert response.headers["X-Page-Cache"] == "miss"
    assert 'action="/cart/add"' not in response.get_data(as_text=True)

    release_many({variants[1].id: 3}, kind="order_cancelled")  # an order cancelled: back in stock
    _db.session.commit()
    response = _get(client, url)
    assert response.headers["X-Page-Cache"] == "miss"
    assert 'action="/cart/add"' in response.get_data(as_text=True)


def test_a_rolled_back_sell_out_keeps_the_cache(page_app, catalogue):
    from catalog.models import Variant
    from catalog.services.stock import reserve_many

    _shop, ids = catalogue
    url = f"/p/{ids[2]}"
    client = page_app.test_client()
    _get(client, url)
    variant = _db.session.scalar(sa.select(Variant).where(Variant.product_id == ids[2]).order_by(Variant.id))
    reserve_many({variant.id: variant.stock})
    _db.session.rollback()
    assert _get(client, url).headers["X-Page-Cache"] == "hit"
