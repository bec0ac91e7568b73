"""Search relevance, measured: recall@10 and nDCG@10 per query case, and latency, through the real
search service on the fixture catalogue of tests/search_relevance/.

bench/search.py prints the figures; tests/search_relevance/test_relevance.py holds them as a floor.
Both call ``prepare`` (catalogue into the database, index built by the backend) and
``run_queries`` (every judged query through ``catalog.search_service.product_search``, the function
behind the /search page and GET /api/v1/products, ten results a page).

Metrics, per query, over the first K=10 products of the page (a product counted once):
  recall@10 = relevant products found / min(10, number of relevant products)
  nDCG@10   = DCG / ideal DCG, binary gains, DCG = sum of 1 / log2(rank + 1) over relevant ranks
A case's figure is the mean over its queries; "overall" is the mean over all queries.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.relevance_data import CASES, build_catalogue

K = 10
#: A case may fall this far below its recorded baseline before the test fails.
TOLERANCE = 0.01
METRICS = ("recall", "ndcg")


# --- backends: the engines the set can be run against ----------------------------------------------

def _rebuild(progress: Callable[[int], None] | None = None) -> int:
    """The configured backend's own rebuild (search rebuild), of the products index."""
    from search.backend import current_backend

    return current_backend().rebuild("products", progress=progress)


@dataclass(frozen=True)
class Backend:
    """One search engine the relevance set can measure."""

    name: str
    description: str
    #: Builds the products index from the database (in an app context); returns the documents indexed.
    build_index: Callable[[Callable[[int], None] | None], int]
    #: App configuration that selects this engine.
    config: dict = field(default_factory=dict)
    #: The engine keeps its index in PostgreSQL, so it cannot run on SQLite.
    needs_postgresql: bool = False


#: The engines this checkout has (search.backend.BACKENDS), each built by its own rebuild.
BACKENDS: dict[str, Backend] = {
    "whoosh": Backend("whoosh", "Whoosh + jieba + pypinyin, the embedded index (search/whoosh/)",
                      build_index=_rebuild, config={"SEARCH_BACKEND": "whoosh"}),
    "postgres": Backend("postgres", "the same analysed terms as a tsvector in PostgreSQL (search/postgres/)",
                        build_index=_rebuild, config={"SEARCH_BACKEND": "postgres"}, needs_postgresql=True),
}


class BackendError(ValueError):
    """A backend that does not exist here, or cannot run on the chosen database."""


def get_backend(name: str, database_url: str | None = None) -> Backend:
    backend = BACKENDS.get(name)
    if backend is None:
        raise BackendError(
            f"no search backend named {name!r} in this checkout; available: {', '.join(sorted(BACKENDS))}")
    if backend.needs_postgresql and (database_url is None or not database_url.startswith("postgresql")):
        raise BackendError(f"the {name!r} backend keeps its index in PostgreSQL: pass --database-url postgresql://...")
    return backend


def app_config(backend: Backend, database_url: str, work_dir: Path) -> dict:
    """The app configuration for a measurement: the given database, an index under ``work_dir``."""
    return {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "relevance", "DATA_DIR": str(work_dir),
            "MEDIA_DIR": str(work_dir / "media"), "SEARCH_INDEX_DIR": str(work_dir / "search-index"),
            "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None, "MAIL_SERVER": None, "PAGE_CACHE_SECONDS": 0, "SEARCH_WARM_UP": False,
            **backend.config}


@dataclass
class Prepared:
    #: product id -> fixture key
    keys: dict[int, str]
    load_seconds: float
    index_seconds: float
    documents: int


def prepare(app, backend: Backend, catalogue: dict, progress: Callable[[str, int], Callable[[int], None]] | None = None
            ) -> Prepared:
    """Load the catalogue into the (empty) database and build the index. In an app context.

    ``progress(label, total)`` may return a callable that is told how many items were done.
    """
    started = time.perf_counter()
    keys = build_catalogue(app, catalogue, progress("products", len(catalogue["products"])) if progress else None)
    loaded = time.perf_counter()
    documents = backend.build_index(progress("index", len(keys)) if progress else None)
    return Prepared(keys, loaded - started, time.perf_counter() - loaded, documents)


# --- metrics ----------------------------------------------------------------------------------------

def recall_at(ranked: list[str], relevant: set[str], k: int = K) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / min(k, len(relevant))


def ndcg_at(ranked: list[str], relevant: set[str], k: int = K) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1 / math.log2(rank + 2) for rank, key in enumerate(ranked[:k]) if key in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / ideal


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (the benchmarks' convention)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


# --- running the queries ----------------------------------------------------------------------------

@dataclass
class QueryResult:
    q: str
    case: str
    relevant: list[str]
    #: keys of the first K products shown, in order, each once
    top: list[str]
    #: products the engine matched (all pages)
    total: int
    ms: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return recall_at(self.top, set(self.relevant))

    @property
    def ndcg(self) -> float:
        return ndcg_at(self.top, set(self.relevant))


def search_page(q: str, keys: dict[int, str]) -> tuple[list[str], int]:
    """One query as the /search page runs it, ten to a page: (keys of the products shown, total)."""
    from catalog.search_service import SearchParams, product_search

    page = product_search(SearchParams.from_args({"q": q, "per_page": str(K)}, per_page=K))
    top: list[str] = []
    for product in page.products:
        key = keys.get(product.id, f"id:{product.id}")
        if key not in top:
            top.append(key)
    return top[:K], page.total


def run_queries(queries: list[dict], keys: dict[int, str], rounds: int = 1,
                progress: Callable[[int], None] | None = None) -> list[QueryResult]:
    """Every query once for its results (this pass also warms the engine's caches), then ``rounds``
    timed passes. In an app context."""
    results = []
    for query in queries:
        top, total = search_page(query["q"], keys)
        results.append(QueryResult(query["q"], query["case"], list(query["relevant"]), top, total))
        if progress:
            progress(1)
    for _round in range(rounds):
        for result in results:
            started = time.perf_counter()
            search_page(result.q, keys)
            result.ms.append((time.perf_counter() - started) * 1000)
            if progress:
                progress(1)
    return results


def _figures(results: list[QueryResult]) -> dict:
    ms = [x for r in results for x in r.ms]
    return {"queries": len(results),
            "recall": statistics.fmean(r.recall for r in results) if results else 0.0,
            "ndcg": statistics.fmean(r.ndcg for r in results) if results else 0.0,
            "no_result": sum(1 for r in results if r.total == 0),
            "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95)}


def summarise(results: list[QueryResult]) -> dict[str, dict]:
    """{case: figures, ..., "overall": figures}, cases in the order of CASES."""
    summary = {case: _figures([r for r in results if r.case == case]) for case in CASES
               if any(r.case == case for r in results)}
    summary["overall"] = _figures(results)
    return summary


def baseline_figures(summary: dict[str, dict]) -> dict[str, dict[str, float]]:
    """The part of a summary that is recorded as a baseline: recall and nDCG per case."""
    return {case: {m: figures[m] for m in METRICS} for case, figures in summary.items()}


def shortfalls(summary: dict[str, dict], baseline: dict[str, dict], tolerance: float = TOLERANCE) -> list[str]:
    """Each case and metric that fell more than ``tolerance`` below its baseline, as a sentence."""
    out = []
    for case, recorded in baseline.items():
        for metric, floor in recorded.items():
            now = summary.get(case, {}).get(metric)
            if now is None or now < floor - tolerance:
                out.append(f"{case} {metric}@{K}: {'missing' if now is None else f'{now:.3f}'} < baseline {floor:.3f}")
    return out


def format_table(summary: dict[str, dict], baseline: dict[str, dict] | None = None) -> str:
    lines = [f"{'case':<12} {'queries':>7} {'recall@10':>9} {'nDCG@10':>8} {'no result':>9} {'p50 ms':>7} "
             f"{'p95 ms':>7}" + ("   baseline recall / nDCG" if baseline else "")]
    for case, f in summary.items():
        row = (f"{case:<12} {f['queries']:>7} {f['recall']:>9.3f} {f['ndcg']:>8.3f} {f['no_result']:>9} "
               f"{f['p50_ms']:>7.2f} {f['p95_ms']:>7.2f}")
        if baseline and case in baseline:
            row += f"   {baseline[case]['recall']:.3f} / {baseline[case]['ndcg']:.3f}"
        lines.append(row)
    return "\n".join(lines)


def as_json(results: list[QueryResult]) -> list[dict]:
    return [{"q": r.q, "case": r.case, "recall": round(r.recall, 4), "ndcg": round(r.ndcg, 4), "total": r.total,
             "top": r.top, "relevant": r.relevant, "ms": [round(x, 3) for x in r.ms]} for r in results]
