"""Deep listing pages: what page 1, 200, 1,000 and the last page of the largest category cost.

    .venv/bin/python bench/deep_pages.py --database-url postgresql://postgres@127.0.0.1:5432/DB \\
        --data-dir /tmp/COPY-OF-THE-SEED-DATA [--repeat 30] [--explain]

In-process through the test client with the page cache off (every request renders), the listing's
total cached as in production: for each depth, p50 / p99 / max of ``--repeat`` requests (depths
interleaved, after one warm-up request each) and the SQL statements of one request (counted in this
thread only). ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the page's listing statement (the
one with LIMIT) at each depth. Also the county page with the most products, that county's region
page (its products block) and the shop with the most products.
Read-only apart from what the app writes on its first request (its search node): run it on a copy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(url: str, data_dir: str):
    from marketplace import create_app
    from marketplace.config import normalise_database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "DATA_DIR": data_dir,
                       "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "REDIS_URL": None, "LOG_LEVEL": "WARNING",
                       "PAGE_CACHE_SECONDS": 0, "SEARCH_WARM_UP": False,
                       "MEDIA_DIR": os.path.join(data_dir, "media"),
                       "SEARCH_INDEX_DIR": os.path.join(data_dir, "search-index")})


def _largest(db):
    """(category code, public products) of the category with the most, its descendants included;
    and (county code, products) likewise."""
    import sqlalchemy as sa

    from catalog.categories import descendant_ids
    from catalog.models import Category, Product, ProductStatus
    from marketplace.regions.services import counties
    from marketplace.regions.services import descendant_ids as region_ids

    public = sa.select(sa.func.count(Product.id)).where(Product.status == ProductStatus.PUBLISHED,
                                                        Product.deleted_at.is_(None))
    cats = [(db.session.scalar(public.where(Product.category_id.in_(descendant_ids(c)))), c.code)
            for c in db.session.scalars(sa.select(Category).where(Category.active.is_(True)))]
    regions = [(db.session.scalar(public.where(Product.origin_region_id.in_(region_ids(r)))), r.code)
               for r in counties()]
    return max(cats), max(regions)


class Counter:
    def __init__(self, engine):
        import sqlalchemy as sa

        self.engine, self.here, self.statements, self.listing = engine, threading.get_ident(), [], None
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, params, _context, _many):
        if threading.get_ident() == self.here:
            self.statements.append((statement, params))

    def close(self):
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._seen)


def _explain(db, statement: str, params) -> str:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
        conn.rollback()
    return "\n".join("      " + r[0] for r in rows)


def measure(client, db, label: str, urls: dict[str, str], repeat: int, explain: bool) -> None:
    times: dict[str, list[float]] = {k: [] for k in urls}
    counts: dict[str, int] = {}
    listing: dict[str, tuple] = {}
    for key, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm: the cached total, the templates
        counter = Counter(db.engine)
        db.session.expire_all()
        client.get(url)
        counter.close()
        counts[key] = len(counter.statements)
        limited = [s for s in counter.statements if "LIMIT" in s[0] and "products" in s[0]]
        if limited:
            listing[key] = limited[-1]
    for _ in range(repeat):
        for key, url in urls.items():
            db.session.expire_all()
            started = time.perf_counter()
            response = client.get(url)
            times[key].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    print(f"  {label}")
    for key, url in urls.items():
        t = sorted(times[key])
        p99 = t[min(len(t) - 1, int(0.99 * len(t)))]
        print(f"    {key:<14} {url:<44} p50 {statistics.median(t):6.1f}  p99 {p99:6.1f}  max {t[-1]:6.1f} ms"
              f"   {counts[key]} statements")
    if explain and db.engine.dialect.name == "postgresql":
        for key in urls:
            if key in listing:
                print(f"    EXPLAIN ANALYZE, {label}, {key}:")
                print(_explain(db, *listing[key]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True, help="a copy of the seed's --data-dir (the app writes there)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    app = _app(args.database_url, args.data_dir)
    from marketplace.extensions import db

    client = app.test_client()
    with app.app_context():
        (cat_n, cat_code), (county_n, county_code) = _largest(db)
        import sqlalchemy as sa

        from catalog.models import Product
        from marketplace.shops.models import Shop

        shop_id, shop_n = db.session.execute(sa.select(Product.shop_id, sa.func.count()).group_by(Product.shop_id)
                                             .order_by(sa.func.count().desc()).limit(1)).one()
        slug = db.session.scalar(sa.select(Shop.slug).where(Shop.id == shop_id))
        products = db.session.scalar(sa.select(sa.func.count()).select_from(Product))
        print(f"deep listing pages on {db.engine.dialect.name}, {products} products; {args.repeat} requests a depth,"
              f" in-process, page cache off; load average {os.getloadavg()[0]:.2f}")
        last = -(-cat_n // 24)
        for sort in ("newest", "price_asc"):
            measure(client, db, f"category {cat_code} ({cat_n} products, {last} pages), sort {sort}",
                    {f"page {p}": f"/c/{cat_code}?sort={sort}&page={p}" for p in (1, 200, 1000, last)},
                    args.repeat, args.explain and sort == "newest")
        county_last = -(-county_n // 24)
        measure(client, db, f"county {county_code} ({county_n} products, {county_last} pages)",
                {f"page {p}": f"/county/{county_code}?page={p}" for p in (1, 200, county_last // 2, county_last)},
                args.repeat, False)
        region_last = -(-county_n // 12)  # the region page's product block: 12 a page
        measure(client, db, f"region page {county_code} ({county_n} products, {region_last} pages of 12)",
                {f"page {p}": f"/regions/{county_code}?page={p}" for p in (1, 200, region_last // 2, region_last)},
                args.repeat, False)
        shop_last = -(-shop_n // 24)
        measure(client, db, f"shop {slug} ({shop_n} products, {shop_last} pages)",
                {f"page {p}": f"/shops/{slug}?page={p}" for p in sorted({1, shop_last})}, args.repeat, False)
        print(f"  load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
