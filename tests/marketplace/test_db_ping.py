"""A pooled PostgreSQL connection that sat idle is pinged before use and replaced when dead."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from marketplace.config import normalise_database_url
from marketplace.extensions import ping_when_idle

URL = os.environ.get("TEST_DATABASE_URL")


@pytest.mark.skipif(not URL, reason="TEST_DATABASE_URL is not set: needs PostgreSQL")
def test_idle_connection_is_pinged_and_replaced_after_the_server_dropped_it():
    engine = sa.create_engine(normalise_database_url(URL), pool_size=1, max_overflow=0)
    ping_when_idle(engine, 0.05)
    try:
        with engine.connect() as conn:
            first_pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as conn:  # used a moment ago: no ping, the same connection
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == first_pid
        other = sa.create_engine(normalise_database_url(URL), poolclass=sa.pool.NullPool)
        with other.begin() as admin:
            assert admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": first_pid}).scalar_one()
        other.dispose()
        time.sleep(0.1)
        with engine.connect() as conn:  # idle: pinged, found dead, replaced without an error
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != first_pid
    finally:
        engine.dispose()


def test_the_app_installs_the_idle_ping_on_a_server_database_only(app):
    """create_app() puts the ping on the PostgreSQL engine; SQLite (a file) needs none."""
    from marketplace.extensions import db

    listeners = len(db.engine.pool.dispatch.checkout)
    if db.engine.dialect.name == "sqlite":
        assert listeners == 0
    else:
        assert listeners == 1 and not db.engine.pool._pre_ping
