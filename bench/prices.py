"""The price pages at a year of daily data: the board and a commodity's page, p50 / p95.

    .venv/bin/python bench/prices.py                       # a throwaway SQLite file
    .venv/bin/python bench/prices.py --database-url postgresql://postgres@127.0.0.1:5432/bench_prices

Builds, in a throwaway database (every table dropped and created: never point it at real data),
``--commodities`` commodities (50) in ``--markets`` markets (5) with a published price every day
for ``--days`` days (365) and the platform's daily transaction price of each (bench/prices_data.py),
then requests in-process (the Flask test client, no network) the board of every market, the board
of one market, a commodity's 90-day and 365-day page and the series API, ``--repeat`` times each,
and prints p50 / p95 / max in milliseconds (wall clock; the process's CPU time beside it, which
a busy machine inflates less) with the SQL statements of one request. The target
(issue 18): p95 < 50 ms for the board and a commodity page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 50.0


def _app(url: str, data_dir: str):
    """The app under measure; warnings only in its log (an access line per request would bury the table)."""
    import logging

    from marketplace import create_app
    from marketplace.config import normalise_database_url
    from marketplace.logs import ACCESS_LOGGER

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "DATA_DIR": data_dir,
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "REDIS_URL": None, "LOG_LEVEL": "WARNING",
                      "SEARCH_INDEX_DIR": os.path.join(data_dir, "search-index"), "PAGE_CACHE_SECONDS": 0})
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.WARNING)
    return app


def _measure(app, label: str, url: str, repeat: int) -> float:
    import sqlalchemy as sa

    from marketplace.extensions import db

    client = app.test_client()
    assert client.get(url).status_code == 200, url  # warm: templates, the unit table
    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    times, cpu = [], []
    for i in range(repeat):
        db.session.remove()
        if i == 0:
            sa.event.listen(db.engine, "before_cursor_execute", count)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if i == 0:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    p95 = times[max(0, round(len(times) * 0.95) - 1)]
    print(f"  {label:<26} p50 {statistics.median(times):6.1f}  p95 {p95:6.1f}  max {times[-1]:6.1f} ms"
          f"  (CPU p50 {statistics.median(cpu):5.1f})  {statements[0]} statements  {len(response.data) // 1024} KiB")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a THROWAWAY database (default: a temporary SQLite file)")
    parser.add_argument("--commodities", type=int, default=50)
    parser.add_argument("--markets", type=int, default=5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench-prices-")
    url = args.database_url or f"sqlite:///{data_dir}/prices.db"
    app = _app(url, data_dir)
    from bench.prices_data import build
    from catalog.categories import find_category, load_categories
    from catalog.units import load_default_units
    from marketplace.extensions import db
    from prices.services import local_today

    with app.app_context():
        db.drop_all()
        db.create_all()
        load_default_units()
        load_categories()
        db.session.commit()
        started = time.perf_counter()
        codes, markets = build(db, commodities=args.commodities, markets=args.markets, days=args.days, prefix="bench",
                               today=local_today(), category_id=find_category("农产品/蔬菜").id)
        rows = db.session.scalar(db.text("SELECT count(*) FROM price_observations"))
        print(f"prices on {db.engine.dialect.name}: {args.commodities} commodities x {args.markets} markets x "
              f"{args.days} days = {rows} observations (built in {time.perf_counter() - started:.1f} s); "
              f"{args.repeat} requests each")
        worst = max(
            _measure(app, "board, every market", "/prices", args.repeat),
            _measure(app, "board, one market", f"/prices?market={markets[0]}", args.repeat),
            _measure(app, "commodity page, 90 days", f"/prices/{codes[len(codes) // 2]}?days=90", args.repeat),
            _measure(app, "commodity page, 365 days", f"/prices/{codes[-1]}?days=365", args.repeat),
        )
        _measure(app, "API series, 365 days", f"/api/v1/prices/{codes[0]}?days=365", args.repeat)
        _measure(app, "API board", "/api/v1/prices", args.repeat)
        db.session.remove()
        if args.database_url:
            db.drop_all()
    print(f"worst p95 of the pages: {worst:.1f} ms (target < {TARGET_MS:.0f} ms): {'ok' if worst < TARGET_MS else 'SLOW'}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
