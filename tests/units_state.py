"""Whether the shipped units are in the test database as the data file has them.

The units table is filled once per run (catalog/data/units.json, what the migration inserts) and
kept from one test to the next, like the regions: variants name a unit (a foreign key), so nearly
every test needs them. A test that writes to the table ("dirty") has it restored afterwards.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

UNITS = {"dirty": False}
_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?units\b", re.IGNORECASE)


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _units_written(conn, cursor, statement, parameters, context, executemany):
    if not UNITS["dirty"] and _WRITE.match(statement):
        UNITS["dirty"] = True


def restore_units() -> None:
    """Fill the (emptied) units table with the shipped units; in an app context."""
    from catalog.units import forget, load_default_units
    from marketplace.extensions import db

    load_default_units()
    db.session.remove()
    forget()
    UNITS["dirty"] = False
