"""Bulk rows for bench/seed.py: a progress bar, and a writer that uses COPY on PostgreSQL."""

from __future__ import annotations

import json
import sys
import time

BATCH = 5000


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, max(total, 1), 0, time.perf_counter()
        self._last = 0.0

    def __call__(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._last > 0.2 or self.done >= self.total:
            self._last = now
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * 30)
            rate = self.done / max(now - self.started, 1e-6)
            sys.stderr.write(f"\r  {self.label:<16} [{bar:<30}] {self.done:>7}/{self.total} {rate:8.0f}/s")
            sys.stderr.flush()

    def finish(self) -> float:
        elapsed = time.perf_counter() - self.started
        sys.stderr.write("\n")
        return elapsed


class Writer:
    """Bulk rows into a table: COPY on PostgreSQL, executemany elsewhere. Missing columns get their defaults."""

    def __init__(self, db):
        self.db = db
        self.pg = db.engine.dialect.name == "postgresql"

    def _complete(self, table, rows: list[dict]) -> list[dict]:
        keys = set(rows[0])
        fill = {}
        for col in table.columns:
            if col.name in keys:
                continue
            default = col.default
            if default is None:
                fill[col.name] = None
            elif default.is_scalar:
                fill[col.name] = default.arg
            elif default.is_callable:
                fill[col.name] = default.arg({}) if _wants_ctx(default.arg) else default.arg()
        if "id" in fill and fill["id"] is None:
            del fill["id"]
        return [{**fill, **r} for r in rows]

    def insert(self, model, rows: list[dict], progress: Progress | None = None) -> None:
        table = model.__table__
        for start in range(0, len(rows), BATCH):
            chunk = self._complete(table, rows[start:start + BATCH])
            if self.pg:
                cols = list(chunk[0])
                conn = self.db.session.connection().connection.driver_connection
                with conn.cursor() as cur, cur.copy(
                        f'COPY {table.name} ({", ".join(cols)}) FROM STDIN') as copy:
                    for row in chunk:
                        copy.write_row([_pg_value(row[c]) for c in cols])
            else:
                self.db.session.execute(table.insert(), chunk)
            if progress:
                progress(len(chunk))

    def reset_sequences(self, models) -> None:
        if not self.pg:
            return
        import sqlalchemy as sa

        for model in models:
            t = model.__table__.name
            self.db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT max(id) FROM {t}), 0) + 1, false)"))


def _wants_ctx(fn) -> bool:
    # SQLAlchemy wraps plain callables so they take a context argument; utcnow() takes none
    import inspect

    try:
        return len(inspect.signature(fn).parameters) == 1
    except (TypeError, ValueError):
        return False


def _pg_value(value):
    import enum

    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, enum.Enum):
        return value.value
    return value
