"""Load test: the app under gunicorn (2 workers) on loopback, driven by wrk, against the seeded database.

    .venv/bin/python bench/seed.py --database-url postgresql://postgres@127.0.0.1:5432/bench --data-dir /tmp/bench
    .venv/bin/python bench/load.py --data-dir /tmp/bench [--redis redis://127.0.0.1:6379/15] [--duration 8]

For every page (and /bench/hello, the ceiling, in the same run on the same server) wrk runs at a
few connection counts (--levels, default 1,2,4,8,16) for --duration seconds each. Printed per page:
peak requests/s and the ratio to hello's peak; p50/p99 at the peak; p99 at the lowest load that
reaches 80 % of the peak (wrk is closed-loop: fewer connections = less offered load); errors
(non-2xx/3xx and socket errors). Then the checkout: Python threads, each its own buyers, add one
item and place an order through the JSON API (orders/s, p50, p99, errors); the SQL statements per
request of each page (an engine event, in-process test client, the page rendered — page cache
off — with the other caches warm, and cold in brackets); and every worker's peak RSS (VmHWM).

The server runs with production's whole-page cache for anonymous visitors (marketplace.page_cache,
30 s; wrk's requests carry no cookie, so every one is an anonymous visitor and most are hits).
``--page-cache-seconds 0`` measures every page rendered: what a cache miss costs (a product in
the long tail, a search nobody made in the last 30 s).

Scenarios (``--scenario``, bench/scenarios.py): ``tail`` (the default) rotates at random over what
buyers meet: 5,000 products of the whole catalogue, every category at pages from the first to the
last (deep pages, 100 and beyond, reported apart), 500 different searches, 1,000 shops. ``hot`` is
the first benchmark's small set (50 products, 3 category pages, 8 searches), which the page cache
holds whole: a labelled best case, not what a buyer meets. ``--signed-in`` sends every page request
with a bench buyer's session cookie, so every page is rendered (restaurants and shops order signed
in). ``skewed`` draws the tail's URLs by popularity (a Zipf law: a few products, searches and shops
are asked far more often than the rest, as in a real market): what a city's traffic meets. Each
figure is printed with the page cache's hit rate during its runs.

Bounded: wrk runs are timed, the checkout stops after --duration seconds or --max-orders, the
server listens on 127.0.0.1 only and is stopped at the end. Requires wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402
    MemorySampler,
    free_port,
    peak_rss_mb,
    start_server,
    stop_server,
    worker_pids,
)
from bench.wrk import lua_cart, lua_get, profile_summary, sweep  # noqa: E402

SEARCHES = ["苹果", "辣椒", "pingguo", "面粉", "柘城 辣椒", "铝锭", "lj", "葡萄酒"]


def pages(info: dict, scenario: str = "hot") -> list[tuple[str, list[str]]]:
    from bench.scenarios import pages as scenario_pages

    return scenario_pages(info, scenario)


def checkout_run(port: int, variants: list[int], tokens: range, threads: int, duration: float,
                 max_orders: int) -> dict:
    lock = threading.Lock()
    latencies: list[float] = []
    outcome = {"orders": 0, "out_of_stock": 0, "errors": 0}
    stop_at = time.monotonic() + duration
    per_thread = [list(tokens)[i::threads] for i in range(threads)]

    def call(conn, method, path, token, body, headers=None):
        hdrs = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=json.dumps(body), headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data

    def worker(mine: list[int]):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.monotonic() < stop_at:
            with lock:
                if outcome["orders"] + outcome["out_of_stock"] >= max_orders:
                    break
            token = f"bench-token-{mine[n % len(mine)]}"
            variant = variants[(n * 7 + mine[0]) % len(variants)]
            n += 1
            try:
                status, _ = call(conn, "POST", "/api/v1/cart", token, {"variant_id": variant, "quantity": 1})
                if status != 201:
                    with lock:
                        outcome["errors"] += 1
                    continue
                started = time.perf_counter()
                status, data = call(conn, "POST", "/api/v1/checkout", token, {},
                                    {"Idempotency-Key": "bench-" + secrets.token_hex(8)})
                elapsed = (time.perf_counter() - started) * 1000
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    outcome["errors"] += 1
                continue
            with lock:
                if status == 201:
                    outcome["orders"] += 1
                    latencies.append(elapsed)
                elif status == 409 and b"out_of_stock" in data:
                    outcome["out_of_stock"] += 1
                else:
                    outcome["errors"] += 1
        conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(mine,)) for mine in per_thread if mine]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else float("nan")

    return {**outcome, "seconds": elapsed, "orders_per_s": outcome["orders"] / elapsed, "p50": pct(50), "p99": pct(99)}


# --- SQL statements per request (in-process) --------------------------------------------------

def sql_counts(env: dict, site: list[tuple[str, list[str]]], info: dict) -> dict[str, tuple[int, int]]:
    """(cold, warm) statements per request for one URL of each page, through the test client."""
    from sqlalchemy import event

    os.environ.update({k: v for k, v in env.items() if k in ("MARKETPLACE_BENCH",)})
    from marketplace import create_app
    from marketplace.config import normalise_database_url
    from marketplace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(env["DATABASE_URL"]),
                      "DATA_DIR": env["MARKETPLACE_DATA_DIR"], "SECRET_KEY": env["SECRET_KEY"],
                      "REDIS_URL": env.get("REDIS_URL"), "LOG_LEVEL": "WARNING",
                      "MEDIA_DIR": os.path.join(env["MARKETPLACE_DATA_DIR"], "media"),
                      "SEARCH_INDEX_DIR": os.path.join(env["MARKETPLACE_DATA_DIR"], "search-index")})
    counts: dict[str, tuple[int, int]] = {}
    with app.app_context():
        engine = db.engine
    statements = [0]

    def count(*_args, **_kw):
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    try:
        for label, urls in site:
            seen = []
            for _ in range(2):
                statements[0] = 0
                resp = client.get(urls[0])
                assert resp.status_code == 200, (urls[0], resp.status_code)
                seen.append(statements[0])
            counts[label] = (seen[0], seen[1])
        auth = {"Authorization": "Bearer bench-token-1"}
        statements[0] = 0
        resp = client.post("/api/v1/cart", json={"variant_id": info["cart_variant_ids"][0], "quantity": 1}, headers=auth)
        counts["add to cart"] = (statements[0], statements[0]) if resp.status_code == 201 else (-1, -1)
        statements[0] = 0
        resp = client.post("/api/v1/checkout", json={}, headers={**auth, "Idempotency-Key": "bench-sql-" + secrets.token_hex(6)})
        counts["place order"] = (statements[0], statements[0]) if resp.status_code == 201 else (-1, -1)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.engine.dispose()
    return counts


def _hit_rate(result: dict) -> str:
    """The share of a page's requests answered from the page cache during its runs."""
    return f"{result.get('cache_hits', 0) / result['requests']:.0%}" if result.get("requests") else "-"


def warm(port: int, site: list[tuple[str, list[str]]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(6):  # both workers: searcher, jieba, templates, caches
        for _label, urls in site:
            for url in urls[:3]:
                conn.request("GET", url)
                conn.getresponse().read()
    conn.close()


def reset_carts(url: str, variant_ids: list[int]) -> list[int]:
    """Empty the bench buyers' carts (earlier runs leave lines behind) and keep only the variants
    that still have plenty of stock (bench/checkout.py sells its hot variants out)."""
    import sqlalchemy as sa

    from marketplace.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM cart_lines WHERE cart_id IN (SELECT c.id FROM carts c JOIN users u "
                             "ON u.id = c.user_id WHERE u.email LIKE 'bench-buyer-%')"))
        stock = dict(conn.execute(sa.text("SELECT id, stock FROM variants WHERE id IN :ids")
                                  .bindparams(sa.bindparam("ids", expanding=True)), {"ids": variant_ids}).all())
    engine.dispose()
    return [v for v in variant_ids if stock.get(v, 0) >= 500]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/marketplace-bench", help="the seed's --data-dir")
    parser.add_argument("--redis", default=None, help="REDIS_URL for the cache (default: in-process cache)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--levels", default="1,2,4,8,16", help="wrk connection counts per page")
    parser.add_argument("--only", default="", help="comma-separated page labels to run (default: all)")
    parser.add_argument("--checkout-threads", type=int, default=8)
    parser.add_argument("--max-orders", type=int, default=3000)
    parser.add_argument("--no-sql", action="store_true", help="skip the SQL statement count pass")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy one worker during each page's highest level; print the heaviest frames")
    parser.add_argument("--page-cache-seconds", type=int, default=30,
                        help="MARKETPLACE_PAGE_CACHE_SECONDS for the server (default 30, production's default; "
                             "0 renders every page, the cost of a cache miss)")
    parser.add_argument("--scenario", choices=("tail", "hot", "skewed"), default="tail",
                        help="tail: 5,000 products, all categories to their last page, 500 searches, at random "
                             "(default); skewed: the same URLs drawn by popularity (Zipf); hot: the small set "
                             "the page cache holds whole")
    parser.add_argument("--signed-in", action="store_true",
                        help="every page request carries a bench buyer's session cookie: every page is rendered")
    parser.add_argument("--settle", type=float, default=8.0,
                        help="seconds to wait after start (each worker's search warm-up, ~2.5 s CPU at 100k)")
    args = parser.parse_args()

    info = json.loads(Path(args.data_dir, "seed-info.json").read_text())
    info["cart_variant_ids"] = reset_carts(info["database_url"], info["cart_variant_ids"])
    levels = [int(x) for x in args.levels.split(",")]
    env = {"DATABASE_URL": info["database_url"], "MARKETPLACE_DATA_DIR": args.data_dir,
           "SECRET_KEY": "bench-" + secrets.token_hex(20), "MARKETPLACE_ENV": "production", "MARKETPLACE_BENCH": "1",
           "MAIL_SEND_AFTER_REQUEST": "0",  # access lines stay on, as in production
           "MARKETPLACE_PAGE_CACHE_SECONDS": str(args.page_cache_seconds)}
    if args.redis:
        env["REDIS_URL"] = args.redis
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    site = pages(info, args.scenario)
    cookies = None
    if args.signed_in:
        from bench.scenarios import signed_in_cookies

        cookies = signed_in_cookies(info, env["SECRET_KEY"])
    print(f"{os.cpu_count()} cores; {info['products']} products, {info['shops']} shops, {info['orders']} orders; "
          f"database {info['database_url'].split('@')[-1]}; cache {'Redis' if args.redis else 'in-process'}; "
          f"page cache {f'{args.page_cache_seconds} s' if args.page_cache_seconds else 'off'}; "
          f"gunicorn {args.workers} workers; wrk {args.duration}s per run at {levels} connections; "
          f"scenario {args.scenario}{' (signed in)' if args.signed_in else ''}: "
          + ", ".join(f"{label} {len(set(urls))} URLs" for label, urls in site) + f"; load average {os.getloadavg()[0]:.1f}")
    proc = start_server(env, port, args.workers)
    results: dict[str, dict] = {}
    sampler = MemorySampler(proc.pid)
    sampler.start()
    try:
        time.sleep(args.settle)
        warm(port, site)
        only = {x.strip() for x in args.only.split(",") if x.strip()}
        for label, urls in site:
            if only and label.split(" ")[0] not in only:
                continue
            prof = None
            if args.profile:
                prof = (worker_pids(proc.pid)[0], os.path.join(args.data_dir, f"py-spy-{label.split(' ')[0]}.txt"))
            page_cookies = cookies if cookies and not label.startswith("hello") else None
            results[label] = sweep(base, lua_get(urls, page_cookies, shuffle=args.scenario != "hot"), levels,
                                   args.duration, prof)
            if prof and os.path.exists(prof[1]):
                results[label]["profile"] = profile_summary(Path(prof[1]).read_text())
            r = results[label]
            print(f"  {label:<16} peak {r['peak']['rps']:8.1f} req/s at {r['peak']['connections']:>2} conn  "
                  f"p99@80% {r['at80']['p99']:7.1f} ms  page cache hits {_hit_rate(r)}  errors {r['errors']}",
                  flush=True)
        buyers = info["buyers"]
        half = max(1, buyers // 2)
        if not only or "cart" in only:
            results["add to cart"] = sweep(base, lua_cart(info["cart_variant_ids"], 1, half), levels, args.duration)
            r = results["add to cart"]
            print(f"  {'add to cart':<16} peak {r['peak']['rps']:8.1f} req/s  p99@80% {r['at80']['p99']:7.1f} ms  "
                  f"errors {r['errors']}", flush=True)
        checkout = None
        if not only or "order" in only:
            checkout = checkout_run(port, info["cart_variant_ids"], range(half + 1, buyers + 1), args.checkout_threads,
                                    args.duration * 2, args.max_orders)
            print(f"  {'place order':<16} {checkout['orders_per_s']:8.1f} orders/s  p50 {checkout['p50']:.1f} ms  "
                  f"p99 {checkout['p99']:.1f} ms  out of stock {checkout['out_of_stock']}  errors {checkout['errors']}",
                  flush=True)
        rss = {pid: peak_rss_mb(pid) for pid in worker_pids(proc.pid)}
        sampler.stop.set()
    finally:
        stop_server(proc)

    sql = {} if args.no_sql else sql_counts(env, site, info)
    hello = results.get("hello (ceiling)", {}).get("peak", {}).get("rps")
    print()
    # SQL/request is counted with the page cache off (what a page costs when it is rendered); a hit runs none.
    print("| page | URLs | peak req/s | × hello | p50 ms | p99 ms | p99 ms at 80% of peak (conn) | page cache hits | errors "
          "| SQL/request (rendered) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    urls_of = dict(site)
    for label, r in results.items():
        ratio = f"{r['peak']['rps'] / hello:.0%}" if hello else "-"
        cold, warm_ = sql.get(label, (None, None))
        sql_cell = "-" if cold is None else (f"{warm_}" if cold == warm_ else f"{warm_} ({cold} cold)")
        print(f"| {label} | {len(set(urls_of.get(label, ())))} | {r['peak']['rps']:.0f} | {ratio} | {r['peak']['p50']:.1f} | "
              f"{r['peak']['p99']:.1f} | {r['at80']['p99']:.1f} ({r['at80']['connections']}) | {_hit_rate(r)} | "
              f"{r['errors']} of {r['requests']} | {sql_cell} |")
    if checkout:
        cold, _w = sql.get("place order", (None, None))
        print(f"| place order (HTTP, {args.checkout_threads} threads) | - | {checkout['orders_per_s']:.1f} orders/s | - | "
              f"{checkout['p50']:.1f} | {checkout['p99']:.1f} | - | - | {checkout['errors']} (+{checkout['out_of_stock']} "
              f"out of stock) | {cold if cold is not None else '-'} |")
    print()
    for label, r in results.items():
        if r.get("profile"):
            print(f"\npy-spy, one worker, {label} (share of samples, inclusive):")
            for share, frame in r["profile"]:
                print(f"  {share:5.0%}  {frame[:150]}")
    print()
    print("peak RSS per worker (VmHWM): " + ", ".join(f"{pid}: {mb:.0f} MB" for pid, mb in rss.items()))
    print("peak PSS / USS per worker (sampled each second; shared preloaded pages counted once / not at all): "
          + ", ".join(f"{pid}: {p:.0f} / {u:.0f} MB" for pid, (p, u) in sampler.peak.items()))


if __name__ == "__main__":
    main()
