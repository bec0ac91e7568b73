"""The order path's own cost, in-process: app CPU, wall time and SQL statements of an add to cart
and a checkout through the JSON API, one request after another (no gunicorn, no concurrency).

    .venv/bin/python bench/order_path.py --data-dir /tmp/marketplace-bench   # after bench/seed.py

bench/checkout.py measures the throughput of many buyers at once; this measures what one order costs
the app, which is what that throughput is divided by. The seed's buyers (bearer tokens
``bench-token-N``) each add one unit of a hot variant and check out, ``--orders`` times after a
warm-up; the hot variants get a large stock first (the seed's database is written to: orders,
stock). App CPU is ``time.process_time()`` of this process (PostgreSQL's own CPU is not in it).
``MARKETPLACE_ROOT`` runs another checkout's code on the same data (before/after comparisons).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("MARKETPLACE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # bench.* of this checkout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench", help="the seed's --data-dir")
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--buyers", type=int, default=30, help="the seed's buyers taking turns")
    parser.add_argument("--rounds", type=int, default=3, help="repeat and report each round's medians")
    parser.add_argument("--calls", action="store_true",
                        help="then one more round under cProfile: Python function calls per request, a "
                             "count that does not move with the machine's load as CPU time does")
    parser.add_argument("--profile", type=int, default=0,
                        help="with --calls: print each request's N most expensive functions (by own time; "
                             "SORT=cumulative to sort otherwise)")
    args = parser.parse_args()

    import logging

    import sqlalchemy as sa

    from bench.checkout import prepare
    from bench.rendered import bench_app

    app, info = bench_app(args.data_dir)
    logging.getLogger("marketplace.access").setLevel(logging.WARNING)  # one log line per request otherwise
    hot = info["hot_variant_ids"][:3]
    prepare(info["database_url"], hot, 10_000_000)
    from marketplace.extensions import db

    with app.app_context():
        engine = db.engine
    seen = [0]
    sa.event.listen(engine, "before_cursor_execute", lambda *_a, **_k: seen.__setitem__(0, seen[0] + 1))
    client = app.test_client(use_cookies=False)

    profiles: dict[str, cProfile.Profile] = {}

    def request(path: str, body: str, headers: dict) -> tuple[float, float, int]:
        seen[0] = 0
        wall, cpu = time.perf_counter(), time.process_time()
        profiler = profiles.get(path)
        if profiler is not None:
            profiler.enable()
        response = client.post(path, data=body, headers=headers, base_url="https://127.0.0.1")
        if profiler is not None:
            profiler.disable()
        if response.status_code != 201:
            raise SystemExit(f"{path} answered {response.status_code}: {response.data[:300]!r}")
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, seen[0]

    def order(n: int) -> tuple[tuple, tuple]:
        headers = {"Authorization": f"Bearer bench-token-{n % args.buyers + 1}", "Content-Type": "application/json"}
        add = request("/api/v1/cart", json.dumps({"variant_id": hot[n % len(hot)], "quantity": 1}), headers)
        checkout = request("/api/v1/checkout", "{}", {**headers, "Idempotency-Key": f"op{secrets.token_hex(8)}"})
        return add, checkout

    print(f"order path in-process, {engine.dialect.name}, code of {ROOT}; {args.orders} orders a round")
    for n in range(2 * args.buyers):  # each buyer's token and cart seen, statements prepared
        order(n)
    for round_no in range(1, args.rounds + 1):
        runs = [order(n) for n in range(args.orders)]
        cells = []
        for index, label in ((0, "add to cart"), (1, "checkout")):
            wall = statistics.median(r[index][0] for r in runs)
            cpu = statistics.median(r[index][1] for r in runs)
            statements = statistics.median(r[index][2] for r in runs)
            cells.append(f"{label}: app CPU {cpu:.2f} ms, wall {wall:.2f} ms, {statements:.0f} statements")
        print(f"round {round_no}: " + "; ".join(cells))
    if args.calls:
        profiles.update({"/api/v1/cart": cProfile.Profile(), "/api/v1/checkout": cProfile.Profile()})
        for n in range(args.orders):
            order(n)
        calls = {path: pstats.Stats(p).total_calls / args.orders for path, p in profiles.items()}
        print(f"Python calls per request: add to cart {calls['/api/v1/cart']:,.0f}; "
              f"checkout {calls['/api/v1/checkout']:,.0f}")
        for path, profile in profiles.items() if args.profile else ():
            print(f"\n{path}, {args.orders} requests:")
            pstats.Stats(profile).sort_stats(os.environ.get("SORT", "tottime")).print_stats(args.profile)


if __name__ == "__main__":
    main()
