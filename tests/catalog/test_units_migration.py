"""Migration 0023 on a database with products: the units table holds the shipped units and every unit
string already stored (so no variant loses its unit), variants.unit becomes a foreign key, and the
cards' price per kg is computed for the products there are; downgrading gives the old schema back.
Runs `flask db upgrade` in a subprocess, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.config import normalise_database_url
from tests.marketplace.test_migrations import _flask_db, _rows, _tables, empty_database  # noqa: F401


def _filler(column: dict):
    """A value for a NOT NULL column the test does not care about."""
    kind = column["type"]
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    if isinstance(kind, sa.JSON):
        return []
    if isinstance(kind, sa.Integer | sa.Numeric):
        return 1
    return "x"


def _insert(conn, table: str, **values) -> None:
    """One row with ``values``; every other NOT NULL column without a default gets a filler."""
    columns = sa.inspect(conn).get_columns(table)
    for column in columns:
        if column["name"] in values or column["nullable"] or column.get("default") is not None:
            continue
        if column["name"] == "id":
            continue
        values[column["name"]] = _filler(column)
    table_ = sa.table(table, *(sa.column(c["name"], c["type"]) for c in columns))
    conn.execute(sa.insert(table_).values(**values))


def test_existing_units_stay_valid_and_prices_per_kg_are_computed(empty_database, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    _flask_db(["upgrade", "0021"], empty_database, data)
    engine = sa.create_engine(normalise_database_url(empty_database))
    try:
        with engine.begin() as conn:
            _insert(conn, "regions", id=1, code="411424", name="柘城县", level="county")
            _insert(conn, "users", id=1, email="owner@example.com")
            _insert(conn, "shops", id=1, slug="la-jiao", region_id=1, status="approved")
            _insert(conn, "categories", id=1, code="agri", name="农产品", path="农产品")
            for pid, code in ((1, "A"), (2, "B"), (3, "C")):
                _insert(conn, "products", id=pid, shop_id=1, category_id=1, code=code, title=code, status="published")
            for vid, pid, unit, price, weight, active in (
                    (1, 1, "斤", 350, None, True), (2, 1, "袋", 9500, 25_000, True),  # 7.00 and 3.80 per kg
                    (3, 2, "坨", 500, None, True),  # a unit string the old list never had
                    (4, 3, "箱", 100, 1000, False), (5, 3, "个", 200, None, True)):  # inactive: not counted
                _insert(conn, "variants", id=vid, product_id=pid, name=f"v{vid}", unit=unit, price_cents=price,
                        weight_grams=weight, stock=1, moq=1, step=1, active=active)
    finally:
        engine.dispose()

    _flask_db(["upgrade", "head"], empty_database, data)
    units = _rows(empty_database, "SELECT code, name, name_en, kind, factor FROM units")
    assert {("斤", "斤", "jin", "weight", 500), ("筐", "筐", "basket", "package", None),
            ("坨", "坨", "坨", "package", None), ("升", "升", "litre", "volume", 1000)} <= units
    assert len(units) == 49
    assert _rows(empty_database, "SELECT id, min_price_per_kg_cents FROM products") == {(1, 380), (2, None), (3, None)}
    engine = sa.create_engine(normalise_database_url(empty_database))
    try:
        keys = sa.inspect(engine).get_foreign_keys("variants")
        assert any(k["referred_table"] == "units" and k["constrained_columns"] == ["unit"] for k in keys)
        if engine.dialect.name == "postgresql":  # SQLite does not enforce foreign keys here
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                _insert(conn, "variants", id=9, product_id=1, name="v9", unit="筐子", price_cents=1, stock=0,
                        moq=1, step=1, active=True)
    finally:
        engine.dispose()

    _flask_db(["downgrade", "0021"], empty_database, data)
    assert "units" not in _tables(empty_database)
    assert _rows(empty_database, "SELECT id, unit FROM variants") == {(1, "斤"), (2, "袋"), (3, "坨"), (4, "箱"), (5, "个")}
