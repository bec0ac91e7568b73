"""SEARCH_BACKEND=postgres with many matches: the page read from the ranking's top tier (through the
RUM index, search.postgres.query.tiers) and the other quick statements answer exactly what the full
ranking answers; the total stays exact after this process's own writes; without the RUM index (or
with SEARCH_RUM off) the full statement answers the same."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from search.postgres.query import Part, Word, tiers
from tests.conftest import with_postgres_search


@pytest.fixture
def app_config(app_config):
    return with_postgres_search(app_config)


@pytest.fixture
def chillies(app, make_product):
    """Ten products with 辣椒 in the title (three of one length: the newer id first), three named by a
    synonym (朝天椒), three with 辣椒 only in the description, two apples."""
    made = []
    for title in ("柘城辣椒", "干辣椒 特辣", "辣椒面 一级", "三樱椒 干辣椒", "新鲜辣椒 产地直供", "辣椒 散装",
                  "柘城县 子弹头 干辣椒 5斤", "辣椒", "红辣椒 批发", "辣椒干 农家"):
        made.append(make_product(title=title, category="农产品/干货调料"))
    for title in ("朝天椒 特辣", "柘城朝天椒", "朝天椒 50斤 袋装"):
        made.append(make_product(title=title, category="农产品/干货调料"))
    for title in ("调料礼盒", "花椒 一级", "八角 散装"):
        made.append(make_product(title=title, category="农产品/干货调料", description="配辣椒炖肉"))
    for title in ("红富士苹果", "嘎啦苹果"):
        made.append(make_product(title=title, category="农产品/水果"))
    return made


@contextmanager
def statements(db):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def run(text="", **kw):
    from search import SearchQuery, search

    return search("products", SearchQuery(text=text, facets=("category_path", "county"), **kw))


def both(app, db, text="", **kw):
    """(quick, full, statements of the quick one): the quick statements when a query matches more
    than two documents, then the full statement alone (no sample: every match scored)."""
    backend = app.extensions["search"]
    backend.facet_sample = 2
    with statements(db) as seen:
        quick = run(text, **kw)
    backend.facet_sample = 0
    full = run(text, **kw)
    backend.facet_sample = 2
    return quick, full, seen


def tier_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if "static_rank >= 0" in s]


def test_the_rum_index_is_created_where_the_extension_is(app, db):
    from search.backend import current_backend

    available = db.session.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'"))
    assert current_backend().has_rum() == bool(available)


@pytest.mark.parametrize("text", ["辣椒", "la jiao", "lajiao", "柘城 辣椒", "椒"])
def test_the_top_tier_pages_are_the_full_rankings_pages(app, db, chillies, text):
    from search.backend import current_backend

    if not current_backend().has_rum():
        pytest.skip("the rum extension is not installed on this PostgreSQL server (postgresql-15-rum)")
    used = 0
    for page in (1, 2, 3, 4):
        quick, full, seen = both(app, db, text, page=page, per_page=3)
        assert (quick.ids, quick.total) == (full.ids, full.total), (text, page)
        assert full.ids or page > 1
        used += bool(tier_statements(seen)) and quick.facets_estimated
    assert used  # at least one page came from a tier


def test_words_no_document_has_together_rank_each_ones_tiers(app, db, chillies):
    used = 0
    for page in (1, 2, 3):
        quick, full, seen = both(app, db, "苹果 辣椒", page=page, per_page=4)  # no product is both
        assert quick.notice and quick.notice == full.notice and (quick.ids, quick.total) == (full.ids, full.total)
        used += bool(tier_statements(seen))
    assert used or not app.extensions["search"].has_rum()


def test_a_page_past_the_top_tier_is_ranked_in_full(app, db, chillies):
    quick, full, _seen = both(app, db, "辣椒", page=2, per_page=8)  # the 辣椒 titles fill fewer than 16 places
    assert quick.ids == full.ids and len(full.ids) == full.total - 8
    by_id = {p.id: p.title for p in chillies}
    assert "调料礼盒" in {by_id[i] for i in full.ids}  # a match in the description only: ranked last


def test_equal_titles_keep_the_newer_first_and_shorter_titles_lead(app, db, chillies):
    quick, full, seen = both(app, db, "辣椒", per_page=3)
    assert tier_statements(seen) or not app.extensions["search"].has_rum()
    by_id = {p.id: p.title for p in chillies}
    assert [by_id[i] for i in quick.ids] == ["辣椒", "柘城辣椒", "辣椒 散装"]


def test_the_total_follows_this_processes_writes_at_once(app, db, chillies, make_product):
    before, _full, _seen = both(app, db, "辣椒")
    make_product(title="辣椒 新货", category="农产品/干货调料")
    after, full, _seen = both(app, db, "辣椒")
    assert after.total == before.total + 1 == full.total


def test_without_the_rum_index_the_full_ranking_answers(app, db, chillies):
    backend = app.extensions["search"]
    backend.use_rum = False  # SEARCH_RUM=False, or a server without the extension
    quick, full, seen = both(app, db, "辣椒", per_page=3)
    assert not tier_statements(seen) and (quick.ids, quick.total) == (full.ids, full.total)


@pytest.mark.parametrize("sort", ["newest", "price_cents", "-price_cents"])
def test_other_orders_and_no_text_give_the_full_statements_page(app, db, chillies, sort):
    for text, filters in (("", {"category_path": "农产品/干货调料"}), ("辣椒", {})):
        quick, full, _seen = both(app, db, text, filters=filters, sort=sort, per_page=4, page=2)
        assert (quick.ids, quick.total) == (full.ids, full.total) and quick.facets_estimated


def test_tiers_combine_each_words_best_parts_and_bound_the_rest():
    one = Word("a", [Part(1.0, "c"), Part(4.0, "a"), Part(1.5, "b")])
    found, bound = tiers([one], [2.0])
    assert [(t.score, t.query) for t in found] == [(8.0, "(a)"), (3.0, "(b)"), (2.0, "(c)")] and bound == 0.0
    two = Word("x", [Part(3.0, "x1"), Part(2.0, "x2"), Part(0.5, "x3")])
    found, bound = tiers([one, two], [2.0, 1.0])
    assert [t.query for t in found] == ["(a) & (x1)", "(a) & (x2)", "(b) & (x1)", "(b) & (x2)"]
    assert bound == max(8.0 + 0.5, 2.0 + 3.0)  # a word's third part with the other's best
    found, bound = tiers([one, two], [2.0, 1.0], require_all=False)  # no document has both words
    assert [(t.score, t.query) for t in found] == [(8.0, "(a)"), (3.0, "(b)"), (3.0, "(x1)"), (2.0, "(c)"),
                                                   (2.0, "(x2)"), (0.5, "(x3)")] and bound == 0.0
