"""Memory per gunicorn worker: peak RSS (VmHWM), PSS and USS after serving the read pages.

    .venv/bin/python bench/memory.py --data-dir /tmp/bench [--rounds 3] [--no-page-cache] [--many-searches]

Starts gunicorn as bench/load.py does (2 workers, production settings, the app preloaded), waits
for each worker's search warm-up, then GETs the home, category, search, product and shop pages of
bench/load.py from 2 threads, --rounds times (--many-searches adds ~650 different searches in
Chinese, pinyin, initials and prefixes, and sorted second pages, so the query-term caches fill).
Prints every worker's VmHWM and VmRSS at the end, and its PSS and USS (current and peak, sampled
twice a second). Only reads: nothing is written to the database (unlike load.py, which empties the
bench carts). Needs a data folder made by bench/seed.py.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import pages  # noqa: E402
from bench.server import free_port, pss_uss_mb, start_server, worker_pids  # noqa: E402


def status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def many_searches() -> list[str]:
    """Distinct searches built from bench/search_speed.py's product words (and their pinyin)."""
    import random

    from bench.search_speed import ITEMS
    from search.analysis import word_pinyin  # pypinyin is loaded here, in the load generator

    words = sorted({w for item in ITEMS for w in item[1] + item[2]})
    rng = random.Random(7)
    texts = words + [f"{a} {b}" for a, b in zip(rng.sample(words, 80), rng.sample(words, 80), strict=True)]
    pinyin = [p for w in words if (p := word_pinyin(w))]
    texts += [p[0] for p in pinyin] + [p[1] for p in pinyin] + [p[0][:3] + "*" for p in pinyin]
    q = urllib.parse.quote
    return [f"/search?q={q(t)}" for t in texts] + [f"/search?q={q(t)}&sort=price_asc&page=2" for t in texts[:100]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="a data folder made by bench/seed.py")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds for each worker's search warm-up")
    parser.add_argument("--no-page-cache", action="store_true", help="MARKETPLACE_PAGE_CACHE_SECONDS=0")
    parser.add_argument("--many-searches", action="store_true")
    args = parser.parse_args()

    info = json.loads(Path(args.data_dir, "seed-info.json").read_text())
    env = {"DATABASE_URL": info["database_url"], "MARKETPLACE_DATA_DIR": args.data_dir,
           "SECRET_KEY": "bench-" + secrets.token_hex(20), "MARKETPLACE_ENV": "production", "MARKETPLACE_BENCH": "1",
           "MAIL_SEND_AFTER_REQUEST": "0"}
    if args.no_page_cache:
        env["MARKETPLACE_PAGE_CACHE_SECONDS"] = "0"
    urls = [u for label, us in pages(info) if not label.startswith("hello") for u in us]
    if args.many_searches:
        urls += many_searches()
    port = free_port()
    proc = start_server(env, port, 2)
    peaks: dict[int, tuple[float, float]] = {}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.5):
            for pid in worker_pids(proc.pid):
                pss, uss = pss_uss_mb(pid)
                old = peaks.get(pid, (0.0, 0.0))
                peaks[pid] = (max(old[0], pss), max(old[1], uss))

    errors: list[str] = []

    def hit(part: list[str]):
        for _ in range(args.rounds):
            for url in part:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=30) as response:
                        response.read()
                except OSError as exc:
                    errors.append(f"{url}: {exc}")

    threading.Thread(target=sample, daemon=True).start()
    try:
        time.sleep(args.settle)
        started = time.monotonic()
        threads = [threading.Thread(target=hit, args=(urls[i::2],)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"{info['products']} products; {len(urls) * args.rounds} requests in {time.monotonic() - started:.1f} s, "
              f"{len(errors)} errors{': ' + errors[0] if errors else ''}")
        time.sleep(1)
        for pid in worker_pids(proc.pid):
            pss, uss = pss_uss_mb(pid)
            peak_pss, peak_uss = peaks.get(pid, (pss, uss))
            print(f"worker {pid}: VmHWM {status_mb(pid, 'VmHWM'):.0f} MB  VmRSS {status_mb(pid, 'VmRSS'):.0f} MB  "
                  f"PSS {pss:.0f} MB (peak {peak_pss:.0f})  USS {uss:.0f} MB (peak {peak_uss:.0f})")
        print(f"master {proc.pid}: VmRSS {status_mb(proc.pid, 'VmRSS'):.0f} MB")
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
