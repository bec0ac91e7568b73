"""Emptying the test database between tests (imported by tests/conftest.py)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db as _db
from tests.regions_state import REGIONS as _REGIONS
from tests.units_state import UNITS as _UNITS
from tests.units_state import restore_units


def empty_tables(app, keep_regions: bool = True) -> None:
    keep = keep_regions and _REGIONS["loaded"] and not _REGIONS["dirty"]
    with app.app_context():
        _db.session.remove()
        tables = list(_db.metadata.sorted_tables)
        # DELETE in reverse dependency order: on PostgreSQL it is 10-30x quicker than TRUNCATE of
        # every table (which rewrites each table's files) for the handful of rows a test leaves.
        with _db.engine.begin() as conn:
            if _may_skip_foreign_keys(conn):
                # every table is emptied: checking each deleted row's foreign keys is wasted work
                # (deleting the 8,000 regions: 0.45 s with the checks, 0.01 s without)
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            emptied = [table for table in reversed(tables)
                       if not (table.name == "units" and not _UNITS["dirty"])  # the shipped units stay
                       and not (keep and table.name == "regions")]
            if conn.dialect.name == "postgresql":
                # one round trip for the ~100 DELETEs (no parameters: psycopg sends them as one query)
                preparer = conn.dialect.identifier_preparer
                conn.exec_driver_sql("; ".join(f"DELETE FROM {preparer.format_table(t)}" for t in emptied))
            else:
                for table in emptied:
                    conn.execute(table.delete())
        if _UNITS["dirty"]:
            restore_units()
        _db.engine.dispose()
    if not keep:
        _REGIONS.update(loaded=False, dirty=False)


_SUPERUSER: dict[str, bool] = {}


def _may_skip_foreign_keys(conn) -> bool:
    """On PostgreSQL as a superuser (the test servers), foreign-key triggers may be switched off."""
    if conn.dialect.name != "postgresql":
        return False
    url = str(conn.engine.url)
    if url not in _SUPERUSER:
        _SUPERUSER[url] = bool(conn.exec_driver_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar())
    return _SUPERUSER[url]


def fresh_schema() -> None:
    """Every table made anew, leftovers of an earlier run dropped, the shipped units in (in an app context)."""
    _db.drop_all()
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    _db.create_all()
    restore_units()  # the shipped units, kept from test to test (tests/units_state.py)


def ensure_database(base, name: str) -> str:
    """The URL of PostgreSQL database ``name`` on the server of ``base`` (a URL), created if missing.
    Its commits do not wait for the disk (synchronous_commit off: what a commit guarantees to the
    other sessions is unchanged; a crash of the server may lose the last ones, which a test database
    can afford)."""
    import psycopg

    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return base.set(database=name).render_as_string(hide_password=False)
