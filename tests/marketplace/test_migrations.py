"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL.

`flask --app marketplace db upgrade` runs in a subprocess on a fresh, empty database (Alembic's
env.py reconfigures logging, which must not leak into the rest of the suite); then Alembic's
autogenerate comparison between that database and the models must find nothing; then
`db downgrade base` must remove every table again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.config import ROOT, normalise_database_url
from marketplace.db import include_object
from marketplace.extensions import db

VERSIONS = ROOT / "migrations" / "versions"


def _flask_db(args: list[str], url: str, data_dir: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url, "MARKETPLACE_DATA_DIR": str(data_dir),
           "MARKETPLACE_ENV": "development", "SECRET_KEY": "migration-test-secret-key-0123456789",
           "REDIS_URL": ""}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "marketplace", "db", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"flask db {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def _fresh_postgres(base_url: str):
    """Create `<name>_mig` next to the test database; return its URL and a function that drops it."""
    import psycopg

    url = sa.engine.make_url(normalise_database_url(base_url))
    name = f"{url.database}_mig"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migrations not checked")
    url, drop = _fresh_postgres(base)
    try:
        yield url
    finally:
        drop()


def _schema_differences(url: str) -> list:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_there_are_migrations():
    assert list(VERSIONS.glob("*.py")), (
        "migrations/versions holds no revision yet: generate them from the models "
        "(flask --app marketplace db migrate) at integration")


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(_schema, empty_database, tmp_path):
    # _schema: the suite's app is built, so every domain's models are in the metadata compared below
    _flask_db(["upgrade"], empty_database, tmp_path / "data")

    differences = _schema_differences(empty_database)
    assert differences == [], (f"the migrations and the models disagree ({len(differences)} differences):\n"
                               + "\n".join(repr(d)[:300] for d in differences[:15]))
    assert {t.name for t in db.metadata.sorted_tables} <= _tables(empty_database)

    _flask_db(["downgrade", "base"], empty_database, tmp_path / "data")
    assert _tables(empty_database) <= {"alembic_version"}


def _rows(url: str, sql: str) -> set[tuple]:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return {tuple(row) for row in conn.execute(sa.text(sql))}
    finally:
        engine.dispose()


def test_shop_members_become_scoped_roles_and_come_back_on_downgrade(empty_database, tmp_path):
    data = tmp_path / "data"
    _flask_db(["upgrade", "0006"], empty_database, data)
    engine = sa.create_engine(normalise_database_url(empty_database))
    now = "2026-12-01 08:00:00+00:00"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO regions (id, code, name, name_en, pinyin, level, specialties, sort_order) "
                                 "VALUES (1, '411424', '柘城县', 'Zhecheng', 'zhecheng', 'county', '', 1)"))
            for uid in (1, 2, 3):
                conn.execute(sa.text("INSERT INTO users (id, email, name, password_hash, locale, active, auth_version, "
                                     "created_at) VALUES (:id, :email, '', 'x', 'zh_CN', TRUE, 1, :now)"),
                             {"id": uid, "email": f"u{uid}@example.com", "now": now})
            conn.execute(sa.text("INSERT INTO user_roles (user_id, role, granted_at) VALUES (3, 'admin', :now)"),
                         {"now": now})
            conn.execute(sa.text("INSERT INTO shops (id, slug, name, shop_type, status, region_id, address, phone, "
                                 "licence_number, description, created_at, updated_at) VALUES (1, 'la-jiao', '辣椒', "
                                 "'farmer', 'approved', 1, '起台镇', '0370-1234567', '91411400MA0000000X', '', :now, :now)"),
                         {"now": now})
            conn.execute(sa.text("INSERT INTO shop_members (shop_id, user_id, role, created_at) "
                                 "VALUES (1, 1, 'owner', :now), (1, 2, 'staff', :now)"), {"now": now})
    finally:
        engine.dispose()

    _flask_db(["upgrade", "head"], empty_database, data)
    assert "shop_members" not in _tables(empty_database)
    assert _rows(empty_database, "SELECT user_id, role, scope_type, scope_id FROM user_roles") == {
        (1, "shop_owner", "shop", 1), (2, "shop_staff", "shop", 1), (3, "admin", None, None)}

    _flask_db(["downgrade", "0006"], empty_database, data)
    assert _rows(empty_database, "SELECT shop_id, user_id, role FROM shop_members") == {(1, 1, "owner"), (1, 2, "staff")}
    assert _rows(empty_database, "SELECT user_id, role FROM user_roles") == {(3, "admin")}
