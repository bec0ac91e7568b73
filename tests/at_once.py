"""Run the same work in several threads released together (two workers, one event)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from marketplace.extensions import db


def at_once(app, work: Callable, *, prepare: Callable | None = None, threads: int = 2, timeout: float = 120) -> list:
    """``work(prepare())`` in ``threads`` threads, each in its own app context and session, started
    together by a barrier once each has prepared. Returns each result, or the class name of what it
    raised (SQLite's busy database: that run saved nothing)."""
    barrier, results = threading.Barrier(threads), []

    def run():
        with app.app_context():
            try:
                prepared = prepare() if prepare else None
                barrier.wait(timeout=30)
                results.append(work(prepared))
            except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout)
    return results
