"""The declarative base, shared column helpers and the time source."""

from __future__ import annotations

import contextvars
import datetime as dt
from contextlib import contextmanager

import sqlalchemy as sa
from flask import has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, registry

#: Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: sa.DateTime(timezone=True)},
    )


#: The Flask-SQLAlchemy extension (bound in create_app); ``marketplace.extensions`` re-exports it.
db = SQLAlchemy(model_class=Base)


#: A time set by at_time() (None: the real clock).
_clock: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("marketplace_clock", default=None)


#: Indexes created by DDL the metadata cannot describe (an extension's index, one on an expression
#: only PostgreSQL has): a package adds their names; migration autogenerate and the schema comparison
#: leave them alone instead of proposing to drop them.
UNMANAGED_INDEXES: set[str] = set()


def include_object(_obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object hook: skip the reflected UNMANAGED_INDEXES."""
    return not (type_ == "index" and reflected and compare_to is None and name in UNMANAGED_INDEXES)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC (all stored times are UTC)."""
    return _clock.get() or dt.datetime.now(dt.UTC)


@contextmanager
def at_time(moment: dt.datetime):
    """Run the block as if it were ``moment`` (aware): utcnow() returns it, so every timestamp the
    services write (rows, status histories, stock movements, ledger postings) says that time; what
    the block left pending in the session is flushed before the clock goes back, so column defaults
    are stamped with it too. For the demo seed, which makes three months of orders through the real
    services (inside its step's one transaction), each at its own time."""
    token = _clock.set(moment.astimezone(dt.UTC))
    try:
        yield moment
        if has_app_context():
            db.session.flush()
    finally:
        _clock.reset(token)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes even for timezone-aware columns: treat them as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def str_enum(cls, length: int = 20) -> sa.Enum:
    """A Python enum stored as its string values in a VARCHAR (no native ENUM type to migrate)."""
    return sa.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class RollbackOnly(RuntimeError):
    """An inner ``atomic()`` failed but its exception was swallowed: the outer one must not commit."""


@contextmanager
def atomic():
    """The one transaction helper: every verb's writes commit together or not at all.

    Used as ``with atomic():`` or as a decorator (``@atomic()``). The outermost block commits when
    it ends without an exception and rolls back on any exception, which it re-raises. A nested
    block joins the outer transaction (no savepoint): its exception rolls everything back, and if
    the outer code swallows that exception the outer block refuses to commit (``RollbackOnly``),
    so a verb is never half-saved.
    """
    session = db.session()
    info = session.info
    depth = info.get("atomic_depth", 0)
    info["atomic_depth"] = depth + 1
    try:
        yield session
    except BaseException:
        if depth:
            info["atomic_failed"] = True
        else:
            session.rollback()
        raise
    else:
        if not depth:
            if info.pop("atomic_failed", False):
                session.rollback()
                raise RollbackOnly("an inner atomic() block failed; the transaction was rolled back")
            session.commit()
    finally:
        info["atomic_depth"] = depth
        if not depth:
            info.pop("atomic_failed", None)


def in_atomic() -> bool:
    """True inside an ``atomic()`` block (helpers that must not commit on their own check it)."""
    return bool(db.session().info.get("atomic_depth"))


#: A run of at least this many consecutive ids is tested as a range (``BETWEEN``), not value by value.
RUN = 3


def in_ranges(column, ids) -> sa.ColumnElement:
    """``column IN ids`` written as ranges of consecutive ids plus the ids left over: a county's ~800
    townships and villages are a few runs of ids (they are imported level by level in code order),
    which the database tests per row as a few comparisons instead of planning and hashing an
    800-element list, and the statement carries a few parameters instead of 800."""
    values = sorted(set(ids))
    if not values:
        return column.in_([])
    ranges, singles, start = [], [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[i - 1] + 1:
            run = values[start:i]
            if len(run) >= RUN:
                ranges.append(column.between(run[0], run[-1]))
            else:
                singles.extend(run)
            start = i
    if singles:
        ranges.append(column.in_(singles))
    return ranges[0] if len(ranges) == 1 else sa.or_(*ranges)


def built_once(name: str, build):
    """The statement ``build()`` makes, built once per app and kept under ``name`` (docs/architecture.md,
    "Statements built once"): for a statement with parts other domains register on the app
    (marketplace.domains.add_load_options), which a process-wide ``functools.cache`` would share
    between apps."""
    from flask import current_app

    built = current_app.extensions.setdefault("built_statements", {})
    if name not in built:
        built[name] = build()
    return built[name]


def literal_int(value: int) -> sa.ColumnElement:
    """An integer written into the statement's text, not bound: for a LIMIT that is part of a
    statement's shape (built once per value). PostgreSQL plans a prepared statement once for all
    its values (a generic plan) only when that plan is not estimated dearer than planning each
    execution, and with a bound LIMIT it assumes a tenth of the rows: the related products'
    statement was planned anew on every product page (0.6 ms of PostgreSQL's CPU) for that alone."""
    return sa.literal_column(str(int(value)), sa.Integer)
