"""The product page as a signed-in buyer gets it (always rendered: the page cache serves only
anonymous visitors), through the test client, in-process, on the seeded data.

    .venv/bin/python bench/product_page.py --data-dir /tmp/marketplace-bench   # after bench/seed.py

Signs in one of the seed's buyers, then requests ``--products`` product pages spread over the
catalogue twice: a first view (the per-process and shared caches have never seen the product:
the long tail) and a second view (the caches warm). Prints the median, p90 and the SQL statements
of each. It writes what a sign-in writes (the seed's database). ``MARKETPLACE_ROOT`` runs another
checkout's code on the same data (before/after comparisons).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("MARKETPLACE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # bench.rendered of this checkout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench", help="the seed's --data-dir")
    parser.add_argument("--products", type=int, default=200)
    args = parser.parse_args()

    import sqlalchemy as sa

    from bench.rendered import bench_app

    app, _info = bench_app(args.data_dir)
    from marketplace.extensions import db

    client = app.test_client()
    with app.app_context():
        products = db.session.scalar(sa.text("SELECT count(*) FROM products"))
        top = db.session.scalar(sa.text("SELECT max(id) FROM products"))
        engine = db.engine
    response = client.post("/account/login", data={"email": "bench-buyer-1@bench.example", "password": "bench password 1"})
    assert response.status_code in (302, 303), response.status_code
    step = max(1, top // args.products)
    ids = list(range(7, top + 1, step))[: args.products]
    print(f"product page, signed-in buyer, {engine.dialect.name}, {products} products, {len(ids)} pages, code of {ROOT}")
    client.get(f"/p/{ids[0]}")  # the process: templates, the first connection
    for label in ("first view", "second view"):
        times, counts = [], []
        for pid in ids:
            seen = [0]

            def count(*_args, _seen=seen, **_kwargs):
                _seen[0] += 1

            sa.event.listen(engine, "before_cursor_execute", count)
            started = time.perf_counter()
            response = client.get(f"/p/{pid}")
            times.append((time.perf_counter() - started) * 1000)
            sa.event.remove(engine, "before_cursor_execute", count)
            assert response.status_code in (200, 404), response.status_code
            counts.append(seen[0])
        times.sort()
        print(f"  {label:<12} median {statistics.median(times):6.1f} ms  p90 {times[int(len(times) * 0.9)]:6.1f} ms"
              f"  statements median {statistics.median(counts):.0f} (min {min(counts)}, max {max(counts)})")


if __name__ == "__main__":
    main()
