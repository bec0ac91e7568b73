"""Small request helpers every domain's views share: page numbers, enum filters, lists, links."""

from __future__ import annotations

import enum
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request

from marketplace.config import DEV_BASE_URL

#: The deepest page a list offers: deeper pages cost a long OFFSET walk and nobody reads them.
MAX_PAGE = 10_000

E = TypeVar("E", bound=enum.Enum)


def page_arg(name: str = "page") -> int:
    """The page number from the query string: 1 for anything missing or not a number, at most MAX_PAGE."""
    try:
        return max(1, min(int(request.args.get(name, 1)), MAX_PAGE))
    except (TypeError, ValueError):
        return 1


def enum_arg(enum_cls: type[E], name: str = "status", default: E | None = None) -> E | None:
    """A filter from the query string as a member of ``enum_cls``; ``default`` when absent or unknown."""
    raw = request.args.get(name, "")
    try:
        return enum_cls(raw)
    except ValueError:
        return default


def paginate(stmt: sa.Select, *, per_page: int, page: int | None = None, count: bool = True):
    """One page of ``stmt`` (Flask-SQLAlchemy's Pagination); the page from the query string by
    default. Never a 404 for a page past the end: an empty page with working links instead."""
    from marketplace.extensions import db

    return db.paginate(stmt, page=page_arg() if page is None else page, per_page=per_page,
                       max_per_page=per_page, error_out=False, count=count)


def absolute_url(endpoint: str, **values) -> str:
    """A full link for mail, exports, the API and anything stored or printed: always from the
    configured PUBLIC_BASE_URL (``https://host[:port][/prefix]``), never from the request. The Host
    header is the client's to choose: a reset requested with ``Host: evil.example`` must not mail
    a link to evil.example. The same inside a request, in a job and in the CLI. No throwaway
    request context is pushed (its teardown would run the request hooks, the jobs' among them, in
    the middle of a job)."""
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or DEV_BASE_URL)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


class Paged:
    """The page shape the pagination macro reads (as Flask-SQLAlchemy's Pagination): a class with
    ``page``, ``per_page`` and ``total`` (attributes or properties) gets the rest from here."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None
