"""What a rendered page costs a worker, page by page, in-process (no HTTP, no page cache).

    .venv/bin/python bench/rendered.py --data-dir /tmp/marketplace-bench            # after bench/seed.py
    .venv/bin/python bench/rendered.py --data-dir ... --only product --profile 25   # where the time goes

Signs in one of the seed's buyers (``--anonymous`` to stay out), then requests ``--urls`` URLs of each
page kind of the tail scenario (bench/scenarios.py: products, categories at every depth, searches,
shops; the home page) through the test client, twice: a first pass (what the process has never
seen) and a second (its caches warm). Prints per pass the median and p90 wall time, the median CPU
time of this process (the worker's own cost, PostgreSQL's excluded) and the SQL statements per
request. ``--statements`` prints the SQL of one page of each kind. ``--profile N`` prints cProfile's N most expensive functions of the second pass.
``MARKETPLACE_ROOT`` runs another checkout's code on the same data (before/after comparisons).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("MARKETPLACE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # bench.scenarios of this checkout

KINDS = ("home", "category", "search", "product", "shop")


def _urls(info: dict, n: int) -> dict[str, list[str]]:
    from bench.scenarios import pages

    out = {}
    for label, urls in pages(info, "tail"):
        kind = label.split(" ")[0]
        if kind in KINDS and kind not in out:
            rnd = random.Random(3)
            # a page with one URL (home) is requested n times over
            out[kind] = rnd.sample(urls, n) if len(urls) > n else (list(urls) * n)[:n]
    return out


def _measure(client, engine, urls: list[str], profiler: cProfile.Profile | None, show: bool = False):
    import sqlalchemy as sa

    walls, cpus, counts = [], [], []
    for index, url in enumerate(urls):
        seen = [0]

        def count(_conn, _cursor, statement, *_args, _seen=seen, _url=url, _show=show and index == 0, **_kwargs):
            _seen[0] += 1
            if _show:
                print(f"  {_url} [{_seen[0]}] {' '.join(statement.split())[:300]}")

        sa.event.listen(engine, "before_cursor_execute", count)
        if profiler:
            profiler.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        if profiler:
            profiler.disable()
        sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code in (200, 404), (url, response.status_code)
        counts.append(seen[0])
    walls.sort()
    return statistics.median(walls), walls[int(len(walls) * 0.9)], statistics.median(cpus), counts


def _by_package(stats: pstats.Stats, pages: int) -> str:
    """The profile's own time per page by where the code is: each library, the app's templates and
    its own modules; what a rewrite of one of them could save at most."""
    spent: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            where = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith(str(ROOT)):
            part = filename[len(str(ROOT)) + 1:]
            where = "templates" if part.startswith("templates/") else "app: " + part.split("/", 1)[0]
        else:
            where = "python" if filename.startswith(("/", "<")) else filename
        spent[where] = spent.get(where, 0.0) + own
    total = sum(spent.values())
    lines = [f"own time per page by package (profiled, {total * 1000 / pages:.1f} ms a page):"]
    for where, own in sorted(spent.items(), key=lambda item: -item[1])[:14]:
        lines.append(f"  {where:<28} {own * 1000 / pages:6.2f} ms  {own / total:5.1%}")
    return "\n".join(lines)


def bench_app(data_dir: str):
    """The app of the seed in ``data_dir`` as a worker runs it, with the page cache off (every page
    rendered) and no Redis: (app, seed info)."""
    from marketplace import create_app
    from marketplace.config import normalise_database_url

    info = json.loads(Path(data_dir, "seed-info.json").read_text())
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(info["database_url"]), "DATA_DIR": data_dir,
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "REDIS_URL": None, "WTF_CSRF_ENABLED": False,
                      "PAGE_CACHE_SECONDS": 0, "SEARCH_INDEX_DIR": os.path.join(data_dir, "search-index")})
    return app, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench", help="the seed's --data-dir")
    parser.add_argument("--urls", type=int, default=100, help="URLs of each kind (default 100)")
    parser.add_argument("--only", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--anonymous", action="store_true", help="do not sign in")
    parser.add_argument("--profile", type=int, default=0, help="print the N most expensive functions")
    parser.add_argument("--statements", action="store_true", help="print the SQL of the second pass's first page")
    args = parser.parse_args()
    app, info = bench_app(args.data_dir)
    from marketplace.extensions import db

    client = app.test_client()
    with app.app_context():
        engine = db.engine
        urls = _urls(info, args.urls)
    if not args.anonymous:
        response = client.post("/account/login", data={"email": "bench-buyer-1@bench.example",
                                                        "password": "bench password 1"})
        assert response.status_code in (302, 303), response.status_code
    kinds = [k for k in KINDS if not args.only or k in args.only.split(",")]
    for kind in kinds:
        client.get(urls[kind][0])  # templates compiled, first connection
    who = "anonymous" if args.anonymous else "signed-in buyer"
    print(f"rendered pages, {who}, {engine.dialect.name}, code of {ROOT}, load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'page':<10} {'URLs':>5}  {'1st median':>10} {'1st p90':>8}  {'2nd median':>10} {'2nd p90':>8}"
          f"  {'CPU 2nd':>8}  statements 2nd")
    for kind in kinds:
        first = _measure(client, engine, urls[kind], None)
        profiler = cProfile.Profile() if args.profile else None
        second = _measure(client, engine, urls[kind], profiler, args.statements)
        print(f"{kind:<10} {len(urls[kind]):>5}  {first[0]:>9.1f}  {first[1]:>8.1f}  {second[0]:>9.1f}  "
              f"{second[1]:>8.1f}  {second[2]:>7.1f}  median {statistics.median(second[3]):.0f} "
              f"(min {min(second[3])}, max {max(second[3])})")
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(os.environ.get("SORT", "tottime")).print_stats(args.profile)
            print(out.getvalue())
            print(_by_package(stats, len(urls[kind])))


if __name__ == "__main__":
    main()
