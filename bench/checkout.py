"""Checkout under contention: many buyers ordering a few hot products at once, on PostgreSQL.

    .venv/bin/python bench/checkout.py --data-dir /tmp/bench [--buyers 64] [--stock 400] [--hot 3]

Uses the database of bench/seed.py (its seed-info.json). Sets the stock of --hot variants to
--stock, empties the bench buyers' carts, starts the app under gunicorn (2 workers, loopback) and
runs --buyers threads, each one buyer with a personal API token: add 1-3 units of a random hot
variant to the cart, POST /api/v1/checkout (the real service: atomic conditional stock updates),
repeat until --seconds pass or the stock is gone. Prints orders/s and latency, then proves there is
no oversell from the database: for every hot variant, units in this run's order lines = starting
stock - final stock, final stock >= 0, and stock movements agree. Only clean "out of stock" (409)
refusals are allowed besides successes; any other error is counted and fails the run (exit 1).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import free_port, start_server, stop_server  # noqa: E402


def _refused_for_stock(status: int, body: bytes) -> bool:
    """A clean refusal because the stock ran out: at checkout (out_of_stock, or the cart line became
    unavailable because the stock fell below it) or already when adding to the cart (库存不足)."""
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    code, message = error.get("code"), error.get("message", "")
    return (status == 409 and code in ("out_of_stock", "unavailable")) or (
        status == 400 and code == "invalid_quantity" and "库存" in message)


def prepare(url: str, hot: list[int], stock: int) -> None:
    import sqlalchemy as sa

    from marketplace.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM cart_lines"))
        conn.execute(sa.text("UPDATE variants SET stock = :s, active = true WHERE id = ANY(:ids)"), {"s": stock, "ids": hot})
        conn.execute(sa.text("UPDATE products SET in_stock = true WHERE id IN (SELECT product_id FROM variants WHERE id = ANY(:ids))"),
                     {"ids": hot})
    engine.dispose()


def verify(url: str, hot: list[int], stock: int, run_id: str) -> tuple[bool, list[str]]:
    import sqlalchemy as sa

    from marketplace.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    lines, ok = [], True
    with engine.connect() as conn:
        for vid in hot:
            final = conn.execute(sa.text("SELECT stock FROM variants WHERE id = :v"), {"v": vid}).scalar_one()
            sold = conn.execute(sa.text(
                "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id "
                "JOIN order_groups g ON g.id = o.group_id WHERE l.variant_id = :v AND g.idempotency_key LIKE :k"),
                {"v": vid, "k": f"{run_id}%"}).scalar_one()
            moved = conn.execute(sa.text(
                "SELECT COALESCE(-SUM(m.delta), 0) FROM stock_movements m JOIN orders o ON o.id = m.order_id "
                "JOIN order_groups g ON g.id = o.group_id WHERE m.variant_id = :v AND m.kind = 'order' "
                "AND g.idempotency_key LIKE :k"), {"v": vid, "k": f"{run_id}%"}).scalar_one()
            good = final >= 0 and sold == stock - final and moved == sold
            ok = ok and good
            lines.append(f"  variant {vid}: start {stock}, sold {sold}, final {final}, stock movements {moved}  "
                         f"-> {'OK' if good else 'MISMATCH'} (start - final = {stock - final})")
    engine.dispose()
    return ok, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench")
    parser.add_argument("--buyers", type=int, default=64, help="concurrent buyers (threads)")
    parser.add_argument("--hot", type=int, default=3, help="number of hot variants")
    parser.add_argument("--stock", type=int, default=400, help="starting stock of each hot variant")
    parser.add_argument("--seconds", type=float, default=30, help="stop after this long at the latest")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()

    info = json.loads(Path(args.data_dir, "seed-info.json").read_text())
    if not info["database_url"].startswith("postgres"):
        print("note: the contention test is meant for PostgreSQL (SQLite serialises writers)")
    hot = info["hot_variant_ids"][:args.hot]
    buyers = list(range(1, min(args.buyers, info["buyers"]) + 1))
    run_id = f"ck{secrets.token_hex(4)}-"
    prepare(info["database_url"], hot, args.stock)
    env = {"DATABASE_URL": info["database_url"], "MARKETPLACE_DATA_DIR": args.data_dir,
           "SECRET_KEY": "bench-" + secrets.token_hex(20), "MARKETPLACE_ENV": "production", "MARKETPLACE_BENCH": "1",
           "MAIL_SEND_AFTER_REQUEST": "0"}
    if args.redis:
        env["REDIS_URL"] = args.redis
    port = free_port()
    print(f"{os.cpu_count()} cores; {len(buyers)} concurrent buyers; hot variants {hot} with {args.stock} each; "
          f"gunicorn {args.workers} workers; database {info['database_url'].split('@')[-1]}")
    proc = start_server(env, port, args.workers)
    lock = threading.Lock()
    stats = {"orders": 0, "out_of_stock": 0, "errors": 0, "units": 0}
    errors: list[str] = []
    latencies: list[float] = []
    sold_out = threading.Event()
    deadline = time.monotonic() + args.seconds

    def buyer(k: int) -> None:
        rnd = random.Random(k)
        token = f"bench-token-{k}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        refusals_in_a_row = 0
        n = 0
        leftover = False  # prepare() emptied every cart
        while time.monotonic() < deadline and not sold_out.is_set():
            n += 1
            variant, qty = rnd.choice(hot), rnd.randint(1, 3)
            hdrs = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            try:
                if leftover:  # a placed order empties the cart; only a refused one leaves a line behind
                    conn.request("DELETE", "/api/v1/cart", headers=hdrs)
                    conn.getresponse().read()
                    leftover = False
                conn.request("POST", "/api/v1/cart", body=json.dumps({"variant_id": variant, "quantity": qty}), headers=hdrs)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 201:
                    # adding more than is in stock is refused up front: that is the clean refusal too
                    with lock:
                        if _refused_for_stock(resp.status, body):
                            stats["out_of_stock"] += 1
                        else:
                            stats["errors"] += 1
                            errors.append(f"cart {resp.status} {body[:120]!r}")
                    refusals_in_a_row += 1
                    if refusals_in_a_row > 30:
                        return
                    continue
                started = time.perf_counter()
                conn.request("POST", "/api/v1/checkout", body="{}",
                             headers={**hdrs, "Idempotency-Key": f"{run_id}{k}-{n}"})
                resp = conn.getresponse()
                body = resp.read()
                elapsed = (time.perf_counter() - started) * 1000
                leftover = resp.status != 201
            except (OSError, http.client.HTTPException) as exc:
                leftover = True
                with lock:
                    stats["errors"] += 1
                    errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            with lock:
                if resp.status == 201:
                    stats["orders"] += 1
                    stats["units"] += qty
                    latencies.append(elapsed)
                    refusals_in_a_row = 0
                elif _refused_for_stock(resp.status, body):
                    stats["out_of_stock"] += 1
                    refusals_in_a_row += 1
                else:
                    stats["errors"] += 1
                    errors.append(f"checkout {resp.status} {body[:160]!r}")
            if stats["units"] >= args.stock * len(hot):
                sold_out.set()
        conn.close()

    started = time.monotonic()
    try:
        threads = [threading.Thread(target=buyer, args=(k,)) for k in buyers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        stop_server(proc)
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else float("nan")

    print(f"orders placed: {stats['orders']} in {elapsed:.1f} s = {stats['orders'] / elapsed:.1f} orders/s; "
          f"checkout p50 {pct(50):.0f} ms, p99 {pct(99):.0f} ms")
    print(f"clean out-of-stock refusals: {stats['out_of_stock']}; other errors: {stats['errors']}")
    for e in errors[:5]:
        print("  error:", e)
    ok, lines = verify(info["database_url"], hot, args.stock, run_id)
    print("oversell check (from the database):")
    print("\n".join(lines))
    print("NO OVERSELL" if ok else "OVERSELL OR MISMATCH")
    sys.exit(0 if ok and stats["errors"] == 0 else 1)


if __name__ == "__main__":
    main()
