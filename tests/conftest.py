"""Fixtures shared by the whole suite.

The database is SQLite (a file, so threads share it) or, when TEST_DATABASE_URL is set, that
PostgreSQL database. The schema is created once per run; every test starts from empty tables
(truncated after each test), so tests are isolated yet concurrency tests can commit for real.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db as _db
from tests import api_conformance
from tests.db_reset import empty_tables, fresh_schema
from tests.demo_app import seeded_demo_app
from tests.regions_state import REGIONS as _REGIONS
from tests.s3_server import s3_server, s3_settings  # noqa: F401  (fixture and helper for the suite)
from tests.url_builders import compile_each_url_builder_once

_counter = itertools.count(1)
_UNSET = object()


def pytest_configure(config):
    """Under pytest-xdist (``make test`` runs two workers) each worker gets services of its own: the
    PostgreSQL database ``<name>_gw<N>`` (created here) and Redis database number ``(<n> - N) % 16``. The
    environment is rewritten before any test module reads it, so every test and every subprocess
    it starts (migrations, app processes) sees the worker's own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    number = int(worker[2:])
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        from marketplace.config import normalise_database_url
        from tests.db_reset import ensure_database

        base = sa.engine.make_url(normalise_database_url(url))
        os.environ["TEST_DATABASE_URL"] = ensure_database(base, f"{base.database}_{worker}")
    from tests.marketplace.perf_helpers import worker_redis_url

    for name in ("TEST_REDIS_URL", "REDIS_URL"):  # a Redis database of its own (perf_helpers.worker_redis_url)
        if os.environ.get(name):
            os.environ[name] = worker_redis_url(os.environ[name], number)


compile_each_url_builder_once()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record):
    """Test databases need no durability: skip SQLite's fsync on every commit (same semantics)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from marketplace.config import normalise_database_url

        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create all tables once for the run (dropping leftovers of an earlier run)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "DATA_DIR": str(tmp_path_factory.mktemp("schema")), "SECRET_KEY": "test"})
    with app.app_context():
        fresh_schema()
        _db.engine.dispose()  # else its pooled connection is collected later: a ResourceWarning (error)
    return database_url


def _regions_unless_asked(app, request) -> None:
    """A test that does not ask for the shipped regions starts without them."""
    if _REGIONS["loaded"] and "regions" not in request.fixturenames:
        empty_tables(app, keep_regions=False)


def make_config(database_url: str, data_dir: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATA_DIR": str(data_dir),
        "MEDIA_DIR": str(data_dir / "media"),
        "SEARCH_INDEX_DIR": str(data_dir / "search-index"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # stated for every app: the limiter is one extension, and an app built without this key
        # inherits whatever the previous app set (test_csrf_everywhere turns limits off)
        "RATELIMIT_ENABLED": True,
        "REDIS_URL": None,
        "JOBS_BACKEND": "inline",  # the queue tests (tests/marketplace/test_jobs_queue.py) say "rq"
        "MAIL_SERVER": None,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
        "SERVER_NAME": None,
        # mailed links: the test client's own host (production demands MARKETPLACE_PUBLIC_BASE_URL)
        "PUBLIC_BASE_URL": "http://localhost",
        "PAGE_CACHE_SECONDS": 0,  # tests/marketplace/test_page_cache.py turns it on
        "HOME_REFRESH_SECONDS": 0,  # the home page shows a change at once (tests/catalog/test_home_blocks.py: the debounce)
    }
    if database_url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def demo_app(_schema, tmp_path_factory):
    """The whole seeded demo, once per test process, in a database of its own (tests/demo_app.py)."""
    yield from seeded_demo_app(_schema, make_config, tmp_path_factory)


def with_postgres_search(config: dict) -> dict:
    """``config`` with the postgres search backend (an ``app_config`` override of a test module);
    the test is skipped on SQLite."""
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the postgres search backend needs TEST_DATABASE_URL to be PostgreSQL")
    config["SEARCH_BACKEND"] = "postgres"
    return config


@pytest.fixture
def app_config(_schema, tmp_path) -> dict:
    """Override keys in a test with ``@pytest.mark.parametrize`` or by requesting and mutating this."""
    return make_config(_schema, tmp_path / "data")


def _fresh_g_per_request(application) -> None:
    """The fixtures hold one app context open, so every request would share ``g`` (Flask-Login's
    cached user, Flask-Babel's cached locale): give each request an empty ``g``, as a server does."""
    from flask import g

    @application.url_value_preprocessor
    def _clear_g(endpoint, values):
        g.__dict__.clear()


def _fresh_limits() -> None:
    """The limiter is one extension for every app the suite builds, and its memory storage outlives
    them: start each test with no requests counted, so a test's limits do not depend on the order."""
    from marketplace.extensions import limiter

    limiter.reset()


@pytest.fixture
def app(app_config, request):
    application = create_app(app_config)
    _regions_unless_asked(application, request)
    _fresh_g_per_request(application)
    api_conformance.install(application)
    with application.app_context():
        _fresh_limits()
        yield application
        _db.session.remove()
    empty_tables(application)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(app_config, request):
    """An app with CSRF checks on, as in production."""
    app_config["WTF_CSRF_ENABLED"] = True
    application = create_app(app_config)
    _regions_unless_asked(application, request)
    _fresh_g_per_request(application)
    api_conformance.install(application)
    with application.app_context():
        _fresh_limits()
        yield application
        _db.session.remove()
    empty_tables(application)


# --- factories: callables with defaults ------------------------------------------------------

@pytest.fixture
def make_user(app):
    from marketplace.accounts.models import Role, User, UserRole
    from marketplace.accounts.services import hash_password

    def make(email: str | None = None, password: str = "correct horse 42", roles=(), name: str = "",
             locale: str = "zh_CN", active: bool = True, mobile: str | None = None) -> User:
        """A user; with ``mobile`` and no ``email``, an account made with a mobile number only."""
        n = next(_counter)
        address = None if mobile and email is None else (email or f"user{n}@example.com").lower()
        user = User(email=address, mobile=mobile, name=name or f"用户{n}",
                    password_hash=hash_password(password), locale=locale, active=active)
        for role in roles:
            user.roles.append(UserRole(role=Role(role)))
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def regions(app):
    """The shipped regions (China to county level, Shangqiu to villages), loaded into the database
    (or still there from the test before: see _REGIONS)."""
    from marketplace.regions.models import Region
    from marketplace.regions.services import configured_files, load_regions

    files = tuple(configured_files())
    if _REGIONS["loaded"] and files in _REGION_ROWS and _db.session.scalar(
            sa.select(sa.func.count()).select_from(Region.__table__)) != len(_REGION_ROWS[files]):
        # not the rows kept (changed where the write was not seen, or loaded from other files): again
        _db.session.rollback()
        empty_tables(app, keep_regions=False)
    if not _REGIONS["loaded"]:
        rows = _REGION_ROWS.get(files)
        if rows is None:  # the first time in this process: the real loader, then keep its rows
            load_regions(files)
            _db.session.commit()
            _REGION_ROWS[files] = [dict(r._mapping) for r in _db.session.execute(sa.select(Region.__table__))]
            _db.session.rollback()
        else:  # the same rows again in one statement (the loader's upserts take 1-2 s on PostgreSQL)
            _db.session.execute(Region.__table__.insert(), rows)
            _db.session.commit()
        _REGIONS.update(loaded=True, dirty=False)
    return app


#: The rows of the shipped regions as the loader wrote them, by the files they came from.
_REGION_ROWS: dict[tuple[str, ...], list[dict]] = {}


@pytest.fixture
def make_shop(app, regions, make_user):
    from marketplace.regions.models import Region, RegionLevel
    from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType

    def make(name: str | None = None, owner=None, status: ShopStatus = ShopStatus.APPROVED,
             shop_type: ShopType = ShopType.ENTERPRISE, county: str = "柘城县", region=None, **fields) -> Shop:
        n = next(_counter)
        owner = owner or make_user()
        region = region or _db.session.scalar(sa.select(Region).where(Region.name == county, Region.level == RegionLevel.COUNTY,
                                                            Region.code.like("4114%")))
        shop = Shop(slug=fields.pop("slug", f"shop-{n}"), name=name or f"测试店铺{n}", shop_type=shop_type,
                    status=status, region=region, address=fields.pop("address", "城关镇人民路 1 号"),
                    phone=fields.pop("phone", "0370-1234567"), licence_number=fields.pop("licence_number", "91411400MA0000000X"),
                    **fields)
        shop.members.append(ShopMember(user=owner, role=MemberRole.OWNER))
        _db.session.add(shop)
        _db.session.commit()
        return shop

    return make


@pytest.fixture
def make_product(app, make_shop):
    """make_product(shop=None, *, title=None, price=1000, stock=100, moq=1, step=1, tiers=(), unit="件",
    weight_grams=None, variants=None, status=PUBLISHED, category=None, code=None, direct=False, **fields)
    -> Product: the one product factory of the suite.

    By default the product is made by ``catalog.services.create_product``, as a merchant makes it
    (validation, status history, the initial stock movement, search indexing). ``direct=True`` writes
    the rows only (no history, no stock movement, no validation): for tests that count those rows and
    must see only their own. ``variants`` is a list of variant dicts in the service's shape
    (``tests.catalog.catalog_helpers.variant_row``); without it, one variant from price, stock, moq,
    step, tiers, unit and weight_grams. ``category`` is a Category or a path of the shipped tree
    ("农产品/水果", loaded on demand); left out, a small test category (an explicit None is passed on,
    for tests of the refusal). Other keywords are product fields (subtitle, description, origin,
    attributes, certifications ...).
    """
    from catalog.models import Category, PriceTier, Product, ProductStatus, Variant

    test_category: list[Category] = []

    def resolve_category(category) -> Category | None:
        if category is None or isinstance(category, Category):
            return category
        if category is not _UNSET:
            from catalog.categories import find_category, load_categories

            found = find_category(category)
            if found is None:
                load_categories()
                found = find_category(category)
            return found
        if not test_category:
            n = next(_counter)
            test_category.append(Category(code=f"test.cat{n}", name="测试分类", path=f"测试/分类{n}"))
            _db.session.add(test_category[0])
            _db.session.commit()
        return test_category[0]

    def make(shop=None, *, title: str | None = None, price: int = 1000, stock: int = 100, moq: int = 1,
             step: int = 1, tiers=(), unit: str = "件", weight_grams: int | None = None, variants=None,
             status=None, category=_UNSET, code: str | None = None, direct: bool = False, **fields) -> Product:
        n = next(_counter)
        shop = shop or make_shop()
        status = ProductStatus.PUBLISHED if status is None else status
        title = f"商品{n}" if title is None else title
        code = f"P{n:05d}" if code is None else code
        rows = variants or [{"name": f"规格{n}", "unit": unit, "price_cents": price, "stock": stock, "moq": moq,
                             "step": step, "tiers": list(tiers), "weight_grams": weight_grams}]
        if not direct:
            from catalog.services import create_product

            data = {"title": title, "category": resolve_category(category), "code": code, **fields}
            return create_product(shop, shop.members[0].user, data, rows, status=status)
        product = Product(shop_id=shop.id, category_id=resolve_category(category).id, code=code, title=title,
                          status=status, min_price_cents=min(r["price_cents"] for r in rows),
                          in_stock=any(r["stock"] > 0 for r in rows), **fields)
        for row in rows:
            variant = Variant(name=row["name"], unit=row["unit"], price_cents=row["price_cents"], stock=row["stock"],
                              moq=row.get("moq", 1), step=row.get("step", 1), weight_grams=row.get("weight_grams"))
            variant.tiers.extend(PriceTier(min_quantity=q, unit_price_cents=c) for q, c in row.get("tiers") or ())
            product.variants.append(variant)
        _db.session.add(product)
        _db.session.commit()
        return product

    return make


@pytest.fixture
def make_variant(make_product):
    """make_variant(shop=None, **make_product's keywords) -> the Variant of a new one-variant product,
    written directly (``direct=True`` unless told otherwise): what cart, order and payment tests need."""

    def make(shop=None, *, direct: bool = True, **kw):
        return make_product(shop, direct=direct, **kw).variants[0]

    return make


@pytest.fixture
def login(client):
    """Log a user in through the real login form."""

    def do(user, password: str = "correct horse 42", remember: bool = False):
        response = client.post("/account/login", data={"email": user.email, "password": password,
                                                        "remember": "y" if remember else ""})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in page"
    return match.group(1)
