"""Whether the shipped regions are in the test database (one module, however conftest is imported).

The shipped regions (8,000 rows: China to county level, the city down to villages) stay in the
database from one test that asks for them (the ``regions`` fixture) to the next, unless a test
wrote to the regions table ("dirty") or the next test does not ask for them (tests/conftest.py).
"""

from __future__ import annotations

import re

import sqlalchemy as sa

REGIONS = {"loaded": False, "dirty": False}
_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?regions\b", re.IGNORECASE)


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _regions_written(conn, cursor, statement, parameters, context, executemany):
    if REGIONS["loaded"] and _WRITE.match(statement):
        REGIONS["dirty"] = True
