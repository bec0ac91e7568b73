"""The search relevance set (README.md beside this file): its data is consistent, and no query case
falls below the baseline recorded for the backend.

The catalogue is built once per module and backend (446 products through the catalogue's
services, then the index): about 7 s on SQLite, 13 s on PostgreSQL on a 2-core machine.
The measurement is bench/relevance.py's, the same code bench/search.py prints.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.relevance import (
    BACKENDS,
    TOLERANCE,
    BackendError,
    app_config,
    format_table,
    get_backend,
    ndcg_at,
    prepare,
    recall_at,
    run_queries,
    shortfalls,
    summarise,
)
from bench.relevance_data import CASES, county_names, judged, load_catalogue, load_queries
from tests.conftest import empty_tables

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()
QUERIES = load_queries()


# --- the data ---------------------------------------------------------------------------------------

def test_catalogue_is_a_market_of_several_hundred_products():
    products = CATALOGUE["products"]
    shops = {s["key"] for s in CATALOGUE["shops"]}
    keys = [p["key"] for p in products]
    assert len(products) >= 400
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    assert all(p["shop"] in shops for p in products)
    assert all(p["variants"] for p in products)
    counties = county_names()
    assert all(p["origin"] is None or p["origin"] in counties for p in products)
    assert len({p["category"] for p in products}) >= 15


def test_every_case_has_enough_queries():
    cases = Counter(q["case"] for q in QUERIES["queries"])
    assert set(cases) == set(CASES)
    assert sum(cases.values()) >= 150
    assert min(cases.values()) >= 20, cases


def test_judgments_name_real_products_and_follow_their_rule():
    """``relevant`` is what ``judged_by`` selects from today's catalogue: a product added later must
    be judged for every query (the message lists the keys to add or remove)."""
    counties = county_names()
    known = {p["key"] for p in CATALOGUE["products"]}
    wrong = []
    for query in QUERIES["queries"]:
        assert query["relevant"], query["q"]
        assert set(query["relevant"]) <= known, (query["q"], set(query["relevant"]) - known)
        expected = judged(query["judged_by"], CATALOGUE, counties)
        if expected != query["relevant"]:
            wrong.append(f"{query['q']}: add {sorted(set(expected) - set(query['relevant']))}, "
                         f"remove {sorted(set(query['relevant']) - set(expected))}")
    assert not wrong, "\n".join(wrong)
    texts = [(q["case"], q["q"]) for q in QUERIES["queries"]]
    assert len(texts) == len(set(texts)), "a query is listed twice"


def test_metrics():
    relevant = {"a", "b", "c"}
    assert recall_at(["a", "x", "b"], relevant) == pytest.approx(2 / 3)
    assert recall_at([], relevant) == 0
    # more relevant products than fit on the page: finding ten of them is full recall
    many = {f"r{i}" for i in range(15)}
    assert recall_at(sorted(many)[:10], many) == 1
    assert ndcg_at(["a", "b", "c"], relevant) == pytest.approx(1)
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ndcg_at(["x", "y"], relevant) == 0
    assert 0 < ndcg_at(["x", "a", "b", "c"], relevant) < 1


def test_an_unknown_backend_is_refused_with_the_available_ones():
    with pytest.raises(BackendError, match="no search backend named 'elastic'.*available: postgres, whoosh"):
        get_backend("elastic")
    with pytest.raises(BackendError, match="keeps its index in PostgreSQL"):
        get_backend("postgres", "sqlite:///relevance.db")
    assert get_backend("postgres", "postgresql://postgres@127.0.0.1/relevance").name == "postgres"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "search.py"), "--backend", "elastic"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert "no search backend named 'elastic'" in done.stderr


# --- the measurement --------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=sorted(BACKENDS))
def measured(request, _schema, tmp_path_factory):
    """(backend, prepared catalogue, per-query results, summary) for one backend, built once."""
    from marketplace import create_app

    backend = BACKENDS[request.param]
    if backend.needs_postgresql and not _schema.startswith("postgresql"):
        pytest.skip(f"the {backend.name} backend needs TEST_DATABASE_URL to be PostgreSQL")
    work = tmp_path_factory.mktemp(f"relevance-{backend.name}")
    app = create_app({**app_config(backend, _schema, work), "TESTING": True})
    with app.app_context():
        try:
            prepared = prepare(app, backend, CATALOGUE)
            results = run_queries(QUERIES["queries"], prepared.keys)
            yield backend, prepared, results, summarise(results)
        finally:
            # the suite's own emptying: it also puts back the shipped units and says the regions are gone
            # (a test file that runs next on this worker starts from the state it expects)
            empty_tables(app, keep_regions=False)


def test_the_whole_catalogue_is_indexed(measured):
    _backend, prepared, results, _summary = measured
    assert len(prepared.keys) == prepared.documents == len(CATALOGUE["products"])
    assert len(results) == len(QUERIES["queries"])


def test_no_case_falls_below_its_baseline(measured):
    backend, _prepared, _results, summary = measured
    baseline = QUERIES.get("baseline", {}).get(backend.name)
    assert baseline, (f"no baseline recorded for the {backend.name!r} backend: run "
                      f"'bench/search.py --backend {backend.name} --write-baseline'\n{format_table(summary)}")
    assert set(baseline) == {*CASES, "overall"}
    below = shortfalls(summary, baseline, TOLERANCE)
    assert not below, "\n".join([*below, format_table(summary, baseline)])
