"""Search relevance benchmark: the judged queries of tests/search_relevance/ on its fixture catalogue.

    .venv/bin/python bench/search.py                          # SQLite in a temporary folder
    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1:5432/relevance
    .venv/bin/python bench/search.py --json /tmp/relevance.json --misses
    .venv/bin/python bench/search.py --write-baseline         # record the figures as the test's floor

It creates the schema in a throwaway database (a PostgreSQL database given with --database-url is
WIPED: use one of its own), loads the fixture catalogue (446 products of a Shangqiu wholesale
market, grades and sizes as variants) through the catalogue's services, builds the index with the
backend's real rebuild, and runs every query through catalog.search_service.product_search, the
function behind /search and GET /api/v1/products, ten results to a page. It prints recall@10,
nDCG@10, queries that found nothing, and latency (median, p95 of --rounds timed passes) per case
and overall, next to the baseline recorded in tests/search_relevance/queries.json.

The speed benchmark at 100,000 generated products is bench/search_speed.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance import (  # noqa: E402
    BACKENDS,
    BackendError,
    app_config,
    as_json,
    baseline_figures,
    format_table,
    get_backend,
    prepare,
    run_queries,
    shortfalls,
    summarise,
)
from bench.relevance_data import load_catalogue, load_queries, write_baseline  # noqa: E402
from bench.seed_rows import Progress  # noqa: E402


class _Bar(Progress):
    """The benchmarks' progress bar, ending its line when the step is done."""

    def __call__(self, n: int = 1) -> None:
        super().__call__(n)
        if self.done >= self.total:
            self.finish()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="whoosh",
                        help=f"search engine to measure (this checkout: {', '.join(sorted(BACKENDS))})")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (wiped); default: SQLite in --dir")
    parser.add_argument("--dir", help="work folder for the SQLite file and the index (default: a temporary one)")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the queries (default 5)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures and every query's results as JSON")
    parser.add_argument("--misses", action="store_true", help="list every query that missed relevant products")
    parser.add_argument("--write-baseline", action="store_true",
                        help="record these recall/nDCG figures as the backend's baseline in queries.json")
    return parser.parse_args()


def _print_misses(results) -> None:
    print("\nqueries that missed relevant products (recall@10 < 1): query [case] recall nDCG total | top keys")
    for r in results:
        if r.recall < 1:
            print(f"  {r.q!r:<18} [{r.case}] {r.recall:.2f} {r.ndcg:.2f} {r.total:>4} | {' '.join(r.top) or '-'}")


def main() -> int:
    args = _arguments()
    try:
        backend = get_backend(args.backend, args.database_url)
    except BackendError as exc:
        print(f"bench/search.py: {exc}", file=sys.stderr)
        return 2
    work = Path(args.dir or tempfile.mkdtemp(prefix="search-relevance-"))
    work.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if url is None:
        (work / "relevance.db").unlink(missing_ok=True)
        url = f"sqlite:///{work / 'relevance.db'}"
    shutil.rmtree(work / "search-index", ignore_errors=True)

    from sqlalchemy.engine import make_url

    from marketplace import create_app
    from marketplace.config import normalise_database_url
    from marketplace.extensions import db

    catalogue, queries = load_catalogue(), load_queries()
    app = create_app(app_config(backend, normalise_database_url(url), work))
    shown = make_url(normalise_database_url(url)).render_as_string(hide_password=True)
    print(f"backend {backend.name} ({backend.description})\ndatabase {shown}; "
          f"{len(catalogue['products'])} products, {len(queries['queries'])} queries")
    with app.app_context():
        db.drop_all()
        db.create_all()
        prepared = prepare(app, backend, catalogue, progress=_Bar)
        print(f"catalogue loaded through the services in {prepared.load_seconds:.1f} s; index of "
              f"{prepared.documents} documents built in {prepared.index_seconds:.1f} s")
        results = run_queries(queries["queries"], prepared.keys, rounds=args.rounds,
                              progress=_Bar("queries", len(queries["queries"]) * (1 + args.rounds)))
        db.session.remove()
        db.engine.dispose()
    summary = summarise(results)
    baseline = queries.get("baseline", {}).get(backend.name)
    print(f"\nsearch relevance, {backend.name}, page size 10, latency over {args.rounds} passes "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(format_table(summary, baseline))
    if args.misses:
        _print_misses(results)
    below = shortfalls(summary, baseline) if baseline else []
    for line in below:
        print(f"BELOW BASELINE: {line}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "backend": backend.name, "database": url.split("://")[0], "products": len(catalogue["products"]),
            "load_seconds": prepared.load_seconds, "index_seconds": prepared.index_seconds, "rounds": args.rounds,
            "summary": summary, "baseline": baseline, "queries": as_json(results)}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        print(f"wrote {args.json}")
    if args.write_baseline:
        write_baseline(backend.name, baseline_figures(summary))
        print(f"recorded as the {backend.name} baseline in tests/search_relevance/queries.json")
    if not args.dir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if below and not args.write_baseline else 0


if __name__ == "__main__":
    sys.exit(main())
