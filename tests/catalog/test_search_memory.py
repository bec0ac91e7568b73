"""What a web worker need not load: pypinyin (only index writers do) and stripe (only payments do),
and the compact per-segment caches giving the same answers as plain bitmaps."""

from __future__ import annotations

import os
import subprocess
import sys
from array import array
from pathlib import Path

import pytest

from search import SearchQuery, search
from search.analysis import highlight, parse_query, pinyin_words
from search.analysis import highlighting as search_text
from tests.catalog import search_fixtures

add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops

ROOT = Path(__file__).resolve().parents[2]
TITLES = ["柘城三樱椒 干辣椒", "烟台红富士苹果 5斤装", "银行卡 招商银行", "民权干红葡萄酒 750ml", "特价<b>苹果</b>&礼盒",
          "永城电解铝锭 A00 99.7%", "㐀字 and 苹果", ""]
QUERIES = ["lajiao", "lj", "pingguo", "pg", "ping*", "yinhang", "yh", "putaojiu", "ptj", "lvding", "a00", "苹果 lj"]


@pytest.mark.parametrize("title", TITLES)
def test_highlight_from_stored_pinyin_equals_pypinyin(app, title):
    stored = pinyin_words(title)
    for text in QUERIES:
        parsed = parse_query(text)
        assert str(highlight(title, parsed, stored)) == str(highlight(title, parsed)), text


def test_malformed_or_missing_stored_pinyin_falls_back(app):
    parsed = parse_query("lajiao")
    expected = "柘城三樱椒 干<mark>辣椒</mark>"
    assert str(highlight("柘城三樱椒 干辣椒", parsed, None)) == expected
    assert str(highlight("柘城三樱椒 干辣椒", parsed, "辣椒 lajiao")) == expected


def test_pinyin_search_highlights_without_pypinyin(catalogue, monkeypatch):
    def no_pypinyin(word):
        assert not search_text.CJK.search(word), f"pypinyin was needed for {word}"

    monkeypatch.setattr(search_text, "word_pinyin", no_pypinyin)
    result = search("products", SearchQuery(text="lajiao"))
    assert str(result.highlights[catalogue["chili"].id]["title"]) == "柘城三樱椒 干<mark>辣椒</mark>"
    by_initials = search("products", SearchQuery(text="pg"))
    assert "<mark>苹果</mark>" in str(by_initials.highlights[catalogue["gala"].id]["title"])


def test_an_app_that_serves_pages_imports_neither_pypinyin_nor_stripe(tmp_path):
    code = ("import sys\n"
            "from marketplace import create_app\n"
            f"app = create_app({{'TESTING': True, 'SEARCH_WARM_UP': False, 'DATA_DIR': {str(tmp_path)!r}, "
            f"'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/app.db'}})\n"
            "print(sorted(m for m in ('pypinyin', 'stripe') if m in sys.modules))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MARKETPLACE_ENV")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_sparse_and_dense_value_sets_count_alike():
    from search.whoosh.cache import _compact, _ValueSets, to_bitmap

    n = 10_000
    values = {"rare": [3, 700, 9_999], "dense": list(range(0, n, 3)), "none": []}
    sets = _ValueSets({v: _compact(ids, n) for v, ids in values.items()})
    assert isinstance(sets.sets["rare"], array) and isinstance(sets.sets["dense"], int)
    docs = to_bitmap(range(0, n, 2))
    expected = {v: len([d for d in ids if d % 2 == 0]) for v, ids in values.items()}
    assert dict(sets.counts(docs)) == {v: c for v, c in expected.items() if c}
    for value, ids in values.items():
        assert sets.bitmap(value) == to_bitmap(ids)
    assert sets.bitmap("missing") == 0


def test_sort_orders_equal_tuple_sorts():
    from search.whoosh.cache import _ordered

    primary = array("q", [5, -2, 5, 0, 7, 5, -2])
    oid = array("q", [10, 3, 2, 8, 1, 7, 4])
    for newest_first in (False, True):
        sign = -1 if newest_first else 1
        expected = sorted(range(7), key=lambda d: (primary[d], sign * oid[d]))
        assert list(_ordered(7, primary, oid, newest_first)) == expected
    big = array("q", [1 << 40, 3, 2])  # object ids past 32 bits: the tuple sort
    assert list(_ordered(3, array("q", [1, 1, 0]), big, False)) == [2, 1, 0]


def test_a_threads_searcher_is_closed_when_the_thread_ends(catalogue, app):
    """A threaded server (the development server, the browser tests' live server) runs each request
    in a new thread: the searcher it opened must close with it, not wait for the garbage collector
    with its segment files open (which also shows as ResourceWarnings)."""
    import threading

    from search import get_spec
    from search.whoosh.engine import open_index

    seen = []

    def request():
        with app.app_context():
            assert search("products", SearchQuery(text="lajiao")).total >= 1
            seen.append(open_index(get_spec("products"), app.config["SEARCH_INDEX_DIR"]).searcher())

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    searcher = seen.pop()
    assert searcher.is_closed, "the ended thread's searcher is still open"
    # this thread's own searcher is another one, and still works
    assert search("products", SearchQuery(text="lajiao")).total >= 1


def test_a_forked_child_leaves_the_parents_searchers_alone(catalogue, app):
    """The rebuild's writer processes are forked while other threads (the search warm-up) hold
    searchers: the child drops those threads' locals and must not close the parent's files (a
    file lock held at the fork deadlocked the child's close)."""
    import multiprocessing
    import threading

    from search import get_spec
    from search.whoosh.engine import open_index

    opened, done = threading.Event(), threading.Event()
    held = []

    def other_thread():
        with app.app_context():
            held.append(open_index(get_spec("products"), app.config["SEARCH_INDEX_DIR"]).searcher())
        opened.set()
        done.wait(10)

    thread = threading.Thread(target=other_thread)
    thread.start()
    try:
        assert opened.wait(10)
        ctx = multiprocessing.get_context("fork")
        result = ctx.Queue()
        child = ctx.Process(target=lambda: result.put(held[0].is_closed))
        child.start()
        closed_in_child = result.get(timeout=20)
        child.join(20)
        assert child.exitcode == 0
        assert closed_in_child is False, "the child closed a searcher of its parent's thread"
        assert not held[0].is_closed
    finally:
        done.set()
        thread.join()
    assert held[0].is_closed, "closed with its own thread, in its own process"
