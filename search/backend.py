"""The one interface every search engine implements, and the choice of engine (``SEARCH_BACKEND``).

A backend answers queries (``run``), keeps its index up to date with the database (the change
hooks, called by ``search.tracking`` from SQLAlchemy's session events and by ``notify_changed``),
builds an index from scratch (``rebuild``) and compares it with the database (``check``).
The service (``search.service``) does everything the backends share: it parses the query, cleans
filters, ranges and the sort against the spec, pages and highlights.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session

from search.analysis import ParsedQuery
from search.spec import CheckReport, Hits, IndexSpec

#: SEARCH_BACKEND -> "module:class". The module is imported only when its backend is chosen.
BACKENDS: dict[str, str] = {
    "whoosh": "search.whoosh.backend:WhooshBackend",
    "postgres": "search.postgres.backend:PostgresBackend",
}
DEFAULT = "whoosh"


class Backend(ABC):
    """A search engine behind the service. One instance per app (``app.extensions["search"]``)."""

    name: str = ""

    def __init__(self, app: Flask):
        self.app = app

    @classmethod
    def validate(cls, config: dict) -> None:
        """Refuse, with a message that says what to change, a configuration this backend cannot run
        with (raise SearchConfigError)."""
        return None

    # --- queries -------------------------------------------------------------------------------
    @abstractmethod
    def run(self, spec: IndexSpec, parsed: ParsedQuery, *, filters: dict[str, list[str]],
            ranges: dict[str, tuple[int | None, int | None]], facets: tuple[str, ...], sort: str,
            limit: int, offset: int, prefer: tuple[str, ...] = ()) -> Hits:
        """Evaluate a parsed query: the hits ``offset:limit`` in ``sort`` order, the total, facets.

        ``filters``: field -> allowed values (keyword values, "1"/"0" for bool fields);
        ``ranges``: numeric or date field -> (lowest, highest) as integers, either may be None;
        ``sort``: "relevance", "newest", "<numeric field>" or "-<numeric field>"; ``prefer``: bool
        fields whose true documents come before the others, each part in ``sort`` order (the
        service passes it only when set). When every
        word together finds nothing, documents with any of them are returned (``partial``).
        """

    # --- keeping the index up to date (all in the caller's session and transaction) -----------
    def changed(self, session: Session, name: str, keys: set[str]) -> None:
        """Objects of index ``name`` changed in ``session``'s transaction (flushed or announced)."""
        return None

    def committing(self, session: Session) -> None:
        """``session`` is about to commit (call session.flush() first: the last changes may be pending)."""
        return None

    def committed(self, session: Session) -> None:
        """``session`` committed."""
        return None

    def rolled_back(self, session: Session) -> None:
        """``session`` rolled back: forget what ``changed`` was told."""
        return None

    # --- maintenance ---------------------------------------------------------------------------
    @abstractmethod
    def rebuild(self, name: str, progress: Callable[[int], None] | None = None) -> int:
        """Index every document of ``name`` anew; searches keep working meanwhile. Returns the count."""

    @abstractmethod
    def check(self, name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
        """Compare the index with the database; with ``fix``, repair what differs."""

    @abstractmethod
    def health(self) -> dict:
        """/healthz: {"ok": bool, ...}."""

    def warm_up(self) -> None:
        """Build per-process caches before the first buyer needs them (a background thread)."""
        return None

    def after_fork(self) -> None:
        """A worker was forked from a preloaded master: drop state that must not be shared."""
        return None


class SearchConfigError(RuntimeError):
    """SEARCH_BACKEND names no backend, or one that cannot run with this configuration."""


def create_backend(app: Flask) -> Backend:
    """The backend ``SEARCH_BACKEND`` names, checked against the configuration (fails at start)."""
    name = (app.config.get("SEARCH_BACKEND") or DEFAULT).strip().lower()
    target = BACKENDS.get(name)
    if target is None:
        raise SearchConfigError(f"SEARCH_BACKEND={name!r} is not a search backend; choose one of: "
                                f"{', '.join(sorted(BACKENDS))}")
    module, _, cls = target.partition(":")
    backend_class = getattr(importlib.import_module(module), cls)
    backend_class.validate(app.config)
    return backend_class(app)


def current_backend() -> Backend:
    try:
        return current_app.extensions["search"]
    except KeyError:
        raise RuntimeError("the search domain is not installed in this app (marketplace.DOMAINS)") from None
