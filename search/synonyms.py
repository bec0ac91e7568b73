"""The synonym table admins edit (``search_synonyms``), its per-process cache and its changes.

Synonyms apply when a query is expanded (``search.analysis.expand``), never at index time, so an
edit needs no rebuild: every process re-reads the table when its copy is older than ``TTL``
seconds, and the process that made the edit at once.
"""

from __future__ import annotations

import datetime as dt
import re
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
    _SPLIT,
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


#: Longest text of a group as typed (the column holds 800 characters).
MAX_TEXT = 600
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")

_MESSAGES = {
    "empty": _l("请填写同义词，例如：土豆, 马铃薯, 洋芋。"),
    "too_long": _l("内容太长：一个同义词组最多 600 个字符。"),
    "control": _l("内容包含不可见的控制字符，请删除后再提交。"),
    "duplicate": _l("同一个词在组里出现了两次：%(term)s"),
    "exists": _l("已经有一个完全相同的同义词组。"),
    "too_few": _l("同义词组至少要有两个词。"),
    "too_many": _l("一个同义词组最多 30 个词。"),
    "bad_term": _l("每个词最多 20 个字，只能包含汉字、字母和数字；词之间用逗号或空格分开。"),
}


class SynonymTableError(DomainError):
    code = "invalid_synonyms"
    status = 422


def _refuse(code: str, **values):
    raise SynonymTableError(str(_MESSAGES[code]) % values if values else str(_MESSAGES[code]),
                            field="terms", code=code)


def _checked(text: str | None, one_way: bool, exclude_id: int | None = None) -> list[str]:
    text = text or ""
    if not text.strip():
        _refuse("empty")
    if len(text) > MAX_TEXT:
        _refuse("too_long")
    if _CONTROL.search(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")):
        _refuse("control")
    typed = [t.strip().lower() for t in _SPLIT.split(text) if t.strip()]
    seen: set[str] = set()
    for term in typed:
        if term in seen:
            _refuse("duplicate", term=term)
        seen.add(term)
    terms = split_terms(text)
    try:
        check_terms(terms)
    except SynonymError as exc:
        _refuse(exc.code)
    same = sa.select(SearchSynonym.id).where(SearchSynonym.terms == ", ".join(terms),
                                              SearchSynonym.one_way == bool(one_way))
    if exclude_id is not None:
        same = same.where(SearchSynonym.id != exclude_id)
    if db.session.scalar(same.limit(1)) is not None:
        _refuse("exists")
    return terms


def _audit(actor, action: str, row: SearchSynonym, before: dict | None, after: dict | None) -> None:
    from marketplace.admin.services import record_audit

    record_audit(actor, action, "search_synonym", row.id, before=before, after=after)


def snapshot(row: SearchSynonym) -> dict:
    return {"terms": row.terms, "one_way": bool(row.one_way)}


def add_group(text: str, one_way: bool = False, actor=None) -> SearchSynonym:
    """A new group (audited when ``actor`` is given); SynonymTableError for bad input, nothing added."""
    terms = _checked(text, one_way)
    with atomic():
        row = SearchSynonym(terms=", ".join(terms), one_way=bool(one_way))
        db.session.add(row)
        db.session.flush()
        if actor is not None:
            _audit(actor, "search.synonym_add", row, None, snapshot(row))
    invalidate()
    return row


def update_group(row: SearchSynonym, text: str, one_way: bool = False, actor=None) -> SearchSynonym:
    terms = _checked(text, one_way, exclude_id=row.id)
    with atomic():
        before = snapshot(row)
        row.terms = ", ".join(terms)
        row.one_way = bool(one_way)
        if actor is not None:
            _audit(actor, "search.synonym_edit", row, before, snapshot(row))
    invalidate()
    return row


def delete_group(row: SearchSynonym, actor=None) -> None:
    with atomic():
        if actor is not None:
            _audit(actor, "search.synonym_delete", row, snapshot(row), None)
        db.session.delete(row)
    invalidate()


def default_rows() -> list[dict]:
    """The shipped groups as rows (the migration inserts these)."""
    rows = []
    for line in DEFAULT_GROUPS:
        group = parse_group(line)
        rows.append({"terms": ", ".join(group.terms), "one_way": group.one_way})
    return rows


def load_defaults() -> list[str]:
    """Add the shipped groups that the table does not have yet (same words). Returns those added."""
    with atomic():
        have = {(r.terms, r.one_way) for r in db.session.scalars(sa.select(SearchSynonym))}
        added = []
        for row in default_rows():
            if (row["terms"], row["one_way"]) not in have:
                db.session.add(SearchSynonym(**row))
                added.append(format_group(row["terms"], row["one_way"]))
    invalidate()
    return added


def format_group(terms: str, one_way: bool) -> str:
    """A group as it is written: ``土豆 = 马铃薯`` or ``化肥 > 复合肥, 尿素``."""
    words = split_terms(terms)
    if one_way and len(words) > 1:
        return f"{words[0]} > {', '.join(words[1:])}"
    return " = ".join(words)


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
