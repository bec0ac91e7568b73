"""marketplace.db.in_ranges: ``column IN ids`` as runs of consecutive ids, the same rows as the list."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.db import in_ranges

ROWS = 120
_table = sa.table("t", sa.column("x", sa.Integer))


def _engine():
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t (x) VALUES (:x)"), [{"x": x} for x in range(-5, ROWS + 5)])
    return engine


ENGINE = _engine()


def _selected(condition) -> list[int]:
    with ENGINE.connect() as conn:
        return list(conn.execute(sa.select(_table.c.x).where(condition).order_by(_table.c.x)).scalars())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=ROWS + 2), max_size=80))
def test_the_same_rows_as_the_list(ids):
    assert _selected(in_ranges(_table.c.x, ids)) == _selected(_table.c.x.in_(ids))


def test_a_county_is_a_few_ranges_and_a_few_parameters():
    county = [1922, *range(3509, 3540), *range(7604, 8374)]
    compiled = in_ranges(_table.c.x, county).compile()
    assert len(compiled.params) == 5  # two ranges (four bounds) and the county itself
    assert _selected(in_ranges(_table.c.x, [5, 6, 7, 9])) == [5, 6, 7, 9]


def test_no_ids_select_nothing():
    assert _selected(in_ranges(_table.c.x, [])) == []
