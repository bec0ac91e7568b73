"""The whoosh rebuild split between processes, one segment each (search.whoosh.build): the same
documents in the same order, the same answers to every search, as a one-process rebuild; a
failing writer process leaves the current index in place."""

from __future__ import annotations

import pytest

from search import SearchQuery, search
from search.whoosh import engine as search_engine
from tests.catalog import search_fixtures

add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops


@pytest.fixture
def app_config(app_config):
    app_config["SEARCH_BACKEND"] = "whoosh"
    return app_config


def _stored(handle) -> list[dict]:
    searcher = handle.index(handle.current_path()).searcher()
    try:
        return [dict(fields) for fields in searcher.reader().all_stored_fields()]
    finally:
        searcher.close()


QUERIES = [SearchQuery(text="苹果"), SearchQuery(text="pingguo"), SearchQuery(text="pg"), SearchQuery(text="辣椒"),
           SearchQuery(text="lajiao"), SearchQuery(text="柘城"), SearchQuery(text="梨"), SearchQuery(text="铝锭"),
           SearchQuery(text="", sort="newest"), SearchQuery(text="", sort="price_cents"),
           SearchQuery(text="苹果", facets=("county", "category_path", "shop_type", "cert", "in_stock")),
           SearchQuery(text="", filters={"county": "柘城县"}, facets=("category_path",), sort="-price_cents"),
           SearchQuery(text="农场", prefer=("in_stock",))]


def _answers():
    out = []
    for query in QUERIES:
        result = search("products", query)
        out.append((result.ids, result.total, result.facets,
                    {k: {f: str(h) for f, h in v.items()} for k, v in result.highlights.items()}))
    return out


def test_a_rebuild_in_several_processes_is_the_one_process_index(catalogue, app, db):
    from search.whoosh import build
    from search.whoosh.writer import handle_for

    handle = handle_for("products")
    done = []
    assert build.rebuild("products", progress=done.append, procs=1) == 10
    assert sum(done) == 10
    one = (_stored(handle), _answers())
    assert len(handle.index(handle.current_path())._segments()) == 1

    done.clear()
    assert build.rebuild("products", progress=done.append, procs=3) == 10
    assert sum(done) == 10
    segments = handle.index(handle.current_path())._segments()
    assert [s.doc_count_all() for s in segments] == [4, 4, 2]  # consecutive slices of the ids
    several = (_stored(handle), _answers())
    assert several[0] == one[0]  # the same documents in the same order (ids ascending)
    assert [int(f["id"]) for f in several[0]] == sorted(int(f["id"]) for f in several[0])
    assert several[1] == one[1]
    assert one[1][0][0] and one[1][1][0]  # the queries found something
    assert build.check("products").ok


def test_a_failing_writer_process_leaves_the_index_as_it_was(catalogue, app, db, monkeypatch):
    from search.whoosh import build
    from search.whoosh.writer import handle_for

    handle = handle_for("products")
    before = handle.current_path()
    expected = _answers()
    real = search_engine.to_whoosh
    broken = catalogue["wine"].id

    def to_whoosh(spec, key, doc):
        if key == broken:
            raise RuntimeError("this document cannot be written")
        return real(spec, key, doc)

    monkeypatch.setattr(search_engine, "to_whoosh", to_whoosh)
    with pytest.raises(RuntimeError, match="cannot be written"):
        build.rebuild("products", procs=2)
    assert handle.current_path() == before
    assert _answers() == expected
    monkeypatch.setattr(search_engine, "to_whoosh", real)
    assert build.rebuild("products", procs=2) == 10  # the writer's lock was released


def test_a_stuck_writer_process_is_given_up_and_the_rebuild_finishes_in_this_process(catalogue, app, db,
                                                                                      monkeypatch):
    """A forked writer can inherit a lock that another thread held at the fork and wait for ever: after
    SEARCH_REBUILD_STALL_SECONDS without a word the writers are killed and this process builds the index."""
    import os
    import time

    from search.whoosh import build
    from search.whoosh.writer import handle_for

    parent = os.getpid()
    real = search_engine.to_whoosh
    stuck = catalogue["wine"].id

    def to_whoosh(spec, key, doc):
        if key == stuck and os.getpid() != parent:
            time.sleep(3600)  # as a deadlocked child: alive, silent
        return real(spec, key, doc)

    monkeypatch.setattr(search_engine, "to_whoosh", to_whoosh)
    monkeypatch.setitem(app.config, "SEARCH_REBUILD_STALL_SECONDS", 2)
    expected = _answers()
    started = time.monotonic()
    assert build.rebuild("products", procs=2) == 10
    assert time.monotonic() - started < 30
    assert _answers() == expected
    handle = handle_for("products")
    folder = handle.current_path()
    segments = handle.index(folder)._segments()
    assert len(segments) == 1  # the killed writers' segment files went with the commit
    kept = {segment.segment_id() for segment in segments}
    files = [name for name in os.listdir(folder) if name.startswith("MAIN_") and name != "MAIN_WRITELOCK"]
    assert files and [name for name in files if name.split(".")[0] not in kept] == []
