"""Helpers for the production-mode tests: Redis discovery, a bulk catalogue, a SQL statement counter."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa


def worker_redis_url(url: str, worker: int) -> str:
    """The Redis URL pytest-xdist worker ``gw<worker>`` uses: database ``(n - worker) % 16`` of the
    same server, ``n`` being ``url``'s database number (0 when the URL names none). Worker 0 keeps
    ``url`` itself; with TEST_REDIS_URL=redis://127.0.0.1:6379/15, gw0 uses 15 and gw1 14. Tests that
    ``flushdb`` (the queue, two-node, import and home-block tests) then never wipe another worker's
    keys. tests/conftest.py applies it to TEST_REDIS_URL and REDIS_URL before any module reads them."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if not worker or not parts.scheme.startswith("redis") or (path and not path.isdigit()):
        return url
    return urlunsplit(parts._replace(path=f"/{(int(path or 0) - worker) % 16}"))


def xdist_worker() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)


def redis_url_or_none() -> str | None:
    """TEST_REDIS_URL, else REDIS_URL, else redis://127.0.0.1:6379/15 — if it answers a PING; each
    xdist worker gets a database of its own (``worker_redis_url``; the first two are rewritten in
    the environment by tests/conftest.py, the last is mapped here)."""
    candidates = [os.environ.get("TEST_REDIS_URL"), os.environ.get("REDIS_URL"),
                  worker_redis_url("redis://127.0.0.1:6379/15", xdist_worker())]
    import redis

    for url in [c for c in candidates if c]:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            client.ping()
            return url
        except redis.RedisError:
            continue
        finally:
            client.close()
    return None


def bulk_catalogue(db, shops: list, products_per_shop: int, category_paths=("农产品/水果", "农产品/蔬菜")) -> list[int]:
    """Published products with two variants, a price tier and a photo key each, inserted in bulk."""
    from catalog.models import Category, PriceTier, Product, ProductImage, Variant

    cats = [db.session.scalar(sa.select(Category.id).where(Category.path == p)) for p in category_paths]
    now = dt.datetime.now(dt.UTC)
    start = (db.session.scalar(sa.select(sa.func.max(Product.id))) or 0) + 1
    vstart = (db.session.scalar(sa.select(sa.func.max(Variant.id))) or 0) + 1
    products, variants, tiers, images = [], [], [], []
    pid, vid = start, vstart
    for shop in shops:
        for k in range(products_per_shop):
            published = now - dt.timedelta(minutes=pid)
            products.append({"id": pid, "shop_id": shop.id, "category_id": cats[k % len(cats)], "code": f"P{pid}",
                             "title": f"宁陵酥梨 {pid}号", "subtitle": "产地直供", "description": "脆甜多汁",
                             "origin_region_id": shop.region_id, "attributes": [["品种", "酥梨"]],
                             "certifications": ["gi"] if k % 3 == 0 else [], "status": "published",
                             "min_price_cents": 1000 + k, "in_stock": True, "primary_image": f"public/products/t/{pid}",
                             "created_at": published, "updated_at": published, "published_at": published})
            for pos in range(2):
                variants.append({"id": vid, "product_id": pid, "name": f"规格{pos}", "unit": "箱",
                                 "price_cents": 1000 + k + pos, "stock": 50, "moq": 1, "step": 1, "position": pos,
                                 "active": True})
                tiers.append({"variant_id": vid, "min_quantity": 10, "unit_price_cents": 900 + k})
                vid += 1
            images.append({"product_id": pid, "digest": f"{pid:064d}", "variants": {"320": f"public/products/t/{pid}-320.webp"},
                           "width": 800, "height": 800, "position": 0, "alt": "", "created_at": published})
            pid += 1
    db.session.execute(sa.insert(Product), products)
    db.session.execute(sa.insert(Variant), variants)
    db.session.execute(sa.insert(PriceTier), tiers)
    db.session.execute(sa.insert(ProductImage), images)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("products", "variants"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.commit()
    return [p["id"] for p in products]


@contextlib.contextmanager
def count_statements(engine):
    """Yields a list that receives every SQL statement the engine runs inside the block, in this
    thread only (the test client's requests run here; a search-index or job thread that a commit
    before the block started must not be counted as the page's)."""
    import threading

    seen: list[str] = []
    here = threading.get_ident()

    def listener(_conn, _cursor, statement, _params, _context, _many):
        if threading.get_ident() == here:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
