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


class CheckoutRun:
    """Buyers (threads) adding a hot variant to the cart and checking out until it sells out."""

    def __init__(self, port: int, hot: list[int], run_id: str, seconds: float, stock_total: int):
        self.port, self.hot, self.run_id, self.stock_total = port, hot, run_id, stock_total
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.stats = {"orders": 0, "out_of_stock": 0, "errors": 0, "units": 0}
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.sold_out = threading.Event()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def _error(self, text: str) -> None:
        with self.lock:
            self.stats["errors"] += 1
            self.errors.append(text)

    def _add(self, conn, hdrs: dict, variant: int, qty: int, empty_first: bool) -> bool:
        """Put ``qty`` of ``variant`` in the cart (emptying a refused order's leftover first)."""
        if empty_first:  # a placed order empties the cart; only a refused one leaves a line behind
            conn.request("DELETE", "/api/v1/cart", headers=hdrs)
            conn.getresponse().read()
        conn.request("POST", "/api/v1/cart", body=json.dumps({"variant_id": variant, "quantity": qty}), headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status == 201:
            return True
        # adding more than is in stock is refused up front: that is the clean refusal too
        if _refused_for_stock(resp.status, body):
            with self.lock:
                self.stats["out_of_stock"] += 1
        else:
            self._error(f"cart {resp.status} {body[:120]!r}")
        return False

    def _record(self, status: int, body: bytes, qty: int, elapsed: float) -> bool:
        """Count one checkout's answer; True when it placed an order."""
        with self.lock:
            if status == 201:
                self.stats["orders"] += 1
                self.stats["units"] += qty
                self.latencies.append(elapsed)
            elif _refused_for_stock(status, body):
                self.stats["out_of_stock"] += 1
            else:
                self.stats["errors"] += 1
                self.errors.append(f"checkout {status} {body[:160]!r}")
            if self.stats["units"] >= self.stock_total:
                self.sold_out.set()
        return status == 201

    def buyer(self, k: int) -> None:
        rnd = random.Random(k)
        hdrs = {"Authorization": f"Bearer bench-token-{k}", "Content-Type": "application/json"}
        conn = self._connect()
        refusals_in_a_row = n = 0
        leftover = False  # prepare() emptied every cart
        while time.monotonic() < self.deadline and not self.sold_out.is_set() and refusals_in_a_row <= 30:
            n += 1
            variant, qty = rnd.choice(self.hot), rnd.randint(1, 3)
            try:
                if not self._add(conn, hdrs, variant, qty, leftover):
                    leftover, refusals_in_a_row = False, refusals_in_a_row + 1
                    continue
                started = time.perf_counter()
                conn.request("POST", "/api/v1/checkout", body="{}",
                             headers={**hdrs, "Idempotency-Key": f"{self.run_id}{k}-{n}"})
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                leftover = True
                self._error(repr(exc))
                conn.close()
                conn = self._connect()
                continue
            placed = self._record(resp.status, body, qty, (time.perf_counter() - started) * 1000)
            leftover = not placed
            refusals_in_a_row = 0 if placed else refusals_in_a_row + 1
        conn.close()

    def percentile(self, p: float) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")


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
    run = CheckoutRun(port, hot, run_id, args.seconds, args.stock * len(hot))
    started = time.monotonic()
    try:
        threads = [threading.Thread(target=run.buyer, args=(k,)) for k in buyers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        stop_server(proc)

    stats = run.stats
    print(f"orders placed: {stats['orders']} in {elapsed:.1f} s = {stats['orders'] / elapsed:.1f} orders/s; "
          f"checkout p50 {run.percentile(50):.0f} ms, p99 {run.percentile(99):.0f} ms")
    print(f"clean out-of-stock refusals: {stats['out_of_stock']}; other errors: {stats['errors']}")
    for e in run.errors[:5]:
        print("  error:", e)
    ok, lines = verify(info["database_url"], hot, args.stock, run_id)
    print("oversell check (from the database):")
    print("\n".join(lines))
    print("NO OVERSELL" if ok else "OVERSELL OR MISMATCH")
    sys.exit(0 if ok and stats["errors"] == 0 else 1)


if __name__ == "__main__":
    main()
