"""The home page's cold path: what the first request after a catalogue change computes.

    .venv/bin/python bench/home_cold.py --data-dir /tmp/marketplace-bench   # after bench/seed.py

Times, in-process on the seeded data (bench/seed-info.json names the database), each block's
choice — the 一县一品 county tiles, the featured products, the category tree —, the job that
makes the choice ahead of time and stores it (``catalog.home_cache.refresh``: it writes the
home_blocks table of that database), and the request path, ``catalog.home_cache.home_blocks()``:
with every cache empty, right after a catalogue change (the catalogue's version bumped, the job
not run again), and warm; ``--repeat`` times each, with the SQL statements each run issues.
Prints min / median / max in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(info: dict, data_dir: str):
    from marketplace import create_app
    from marketplace.config import normalise_database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(info["database_url"]), "DATA_DIR": data_dir,
                       "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                       "SEARCH_INDEX_DIR": os.path.join(data_dir, "search-index")})


def _measure(label: str, func, repeat: int, clear: bool = True) -> None:
    import sqlalchemy as sa

    from marketplace.cache import cache
    from marketplace.extensions import db

    statements: list[int] = []

    def count(*_args, **_kwargs):
        statements[-1] += 1

    times = []
    for _ in range(repeat):
        if clear:
            cache.clear()
        db.session.expire_all()
        statements.append(0)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
        sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
    print(f"  {label:<34} min {min(times):7.1f}  median {statistics.median(times):7.1f}  max {max(times):7.1f} ms"
          f"   {statistics.median(statements):.0f} statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench", help="the seed's --data-dir")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    info = json.loads(Path(args.data_dir, "seed-info.json").read_text())
    app = _app(info, args.data_dir)
    from catalog import home_cache, queries
    from marketplace.cache import bump, claim
    from marketplace.extensions import db

    with app.test_request_context("/"):
        products = db.session.scalar(db.text("SELECT count(*) FROM products"))
        print(f"home cold path on {db.engine.dialect.name}, {products} products ({args.repeat} runs each, "
              "cache cleared before each)")
        home_cache.home_blocks()  # warm the process (imports, the search engine's first open)
        # the yardstick on a shared machine: one round trip to the database, same load
        _measure("one round trip (SELECT 1)", lambda: db.session.execute(db.text("SELECT 1")), args.repeat, clear=False)
        _measure("county tiles (一县一品)", lambda: queries.county_specialties(4), args.repeat)
        _measure("featured products", lambda: queries.featured(12), args.repeat)
        _measure("category tree", lambda: home_cache.category_tree(), args.repeat)
        _measure("the job: choose and store", lambda: home_cache.refresh(force=True), args.repeat)
        _measure("home_blocks(), cache empty", home_cache.home_blocks, args.repeat)

        def after_change():
            bump("catalog")  # what a commit that changed a product does; the job is not run here
            app.config["HOME_REFRESH_SECONDS"] = 3600
            claim("home-refresh", 3600)
            return home_cache.home_blocks()

        home_cache.home_blocks()
        _measure("home_blocks(), after a change", after_change, args.repeat, clear=False)
        home_cache.refresh()
        started = time.perf_counter()
        for _ in range(args.repeat):
            home_cache.home_blocks()
        print(f"  {'home_blocks(), cache warm':<34} mean {(time.perf_counter() - started) * 1000 / args.repeat:7.1f} ms")


if __name__ == "__main__":
    main()
