"""The synonym table admins edit (``search_synonyms``), its per-process cache and its changes.

Synonyms apply when a query is expanded (``search.analysis.expand``), never at index time, so an
edit needs no rebuild: every process re-reads the table when its copy is older than ``TTL``
seconds, and the process that made the edit at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from search.analysis.synonyms import (
    DEFAULT_GROUPS,
    SynonymError,
    SynonymGroup,
    Synonyms,
    check_terms,
    parse_group,
    split_terms,
)

#: Seconds a process keeps its copy of the table.
TTL = 30.0


class SearchSynonym(Base):
    """One group: words that find each other, or (one_way) a broader first word that finds the rest."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the words, separated by ", " (lowercase; the first is the broader one when one_way)
    terms: Mapped[str] = mapped_column(sa.String(800))
    one_way: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def term_list(self) -> list[str]:
        return split_terms(self.terms)

    def group(self) -> SynonymGroup:
        return SynonymGroup(tuple(self.term_list), self.one_way)


_MESSAGES = {
    "too_few": _l("同义词组至少要有两个词。"),
    "too_many": _l("一个同义词组最多 30 个词。"),
    "bad_term": _l("每个词最多 20 个字，只能包含汉字、字母和数字；词之间用逗号或空格分开。"),
}


class SynonymTableError(DomainError):
    code = "invalid_synonyms"


def _checked(text: str) -> list[str]:
    terms = split_terms(text)
    try:
        check_terms(terms)
    except SynonymError as exc:
        raise SynonymTableError(str(_MESSAGES[exc.code]), field="terms", code=exc.code) from None
    return terms


def add_group(text: str, one_way: bool = False) -> SearchSynonym:
    terms = _checked(text)
    with atomic():
        row = SearchSynonym(terms=", ".join(terms), one_way=bool(one_way))
        db.session.add(row)
    invalidate()
    return row


def update_group(row: SearchSynonym, text: str, one_way: bool = False) -> SearchSynonym:
    terms = _checked(text)
    with atomic():
        row.terms = ", ".join(terms)
        row.one_way = bool(one_way)
    invalidate()
    return row


def delete_group(row: SearchSynonym) -> None:
    with atomic():
        db.session.delete(row)
    invalidate()


def default_rows() -> list[dict]:
    """The shipped groups as rows (the migration inserts these)."""
    rows = []
    for line in DEFAULT_GROUPS:
        group = parse_group(line)
        rows.append({"terms": ", ".join(group.terms), "one_way": group.one_way})
    return rows


def load_defaults() -> int:
    """Add the shipped groups that the table does not have yet (same words). Returns how many."""
    with atomic():
        have = {(r.terms, r.one_way) for r in db.session.scalars(sa.select(SearchSynonym))}
        added = 0
        for row in default_rows():
            if (row["terms"], row["one_way"]) not in have:
                db.session.add(SearchSynonym(**row))
                added += 1
    invalidate()
    return added


_lock = threading.Lock()
#: app.extensions key of the app's copy: (monotonic time read, Synonyms). Per app, not per process:
#: a process may hold several apps on several databases (tests, benchmarks), and one app's table
#: must never answer another's queries.
_EXT = "search.synonyms"


def invalidate() -> None:
    """Forget this app's copy (the next query re-reads the table)."""
    if has_app_context():
        current_app.extensions.pop(_EXT, None)


def current_synonyms() -> Synonyms:
    """The table as a lookup, re-read at most every ``TTL`` seconds (an empty one if unreadable)."""
    cached = current_app.extensions.get(_EXT)
    if cached is not None and time.monotonic() - cached[0] < TTL:
        return cached[1]
    with _lock:
        try:
            rows = db.session.execute(sa.select(SearchSynonym.terms, SearchSynonym.one_way)
                                      .order_by(SearchSynonym.id)).all()
        except sa.exc.SQLAlchemyError:  # no table yet (an old database before its migration)
            db.session.rollback()
            rows = []
        table = Synonyms(SynonymGroup(tuple(split_terms(t)), bool(o)) for t, o in rows)
        current_app.extensions[_EXT] = (time.monotonic(), table)
        return table
