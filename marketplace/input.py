"""Incoming text is cleaned in one place, before any view, form or service sees it.

PostgreSQL refuses NUL in text and no encoding exists for a lone surrogate, so such input used to
reach the database and answer 500 (a search for ``?q=%00``, a form field, a JSON body). Here:

* the request class builds ``request.args``, ``request.form`` and ``request.files`` with
  :class:`CleanMultiDict`, and ``request.get_json()`` returns a cleaned copy: C0 control characters
  and DEL are stripped from every key and value (tab and line breaks stay: they are text), upload
  file names lose every control character;
* a ``before_request`` hook refuses a request whose path, headers, form or JSON body carried NUL
  (or a lone surrogate, or JSON nested absurdly deep) with one clear 400, in the user's language,
  JSON under /api/; nothing else runs. Forms (Flask-WTF reads the same ``request.form``) and the
  API (``json_body``) therefore never see such characters. A query string only reads: its NUL is
  stripped like the other control characters and the page is served (a search for "%00苹果" finds
  apples), since nothing is saved from it.

A view that must read its body byte for byte (a signed webhook) is marked with :func:`raw_input`:
the hook leaves it alone and the view judges the payload itself.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask.wrappers import Request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, iter_multi_items
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from marketplace.errors import DomainError
from marketplace.text import has_forbidden, single_line, strip_controls

#: JSON deeper than this is refused (a legitimate body here is 3 or 4 levels deep).
MAX_JSON_DEPTH = 32
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ForbiddenInput(DomainError):
    """NUL (or another character no column can store) in a request: refused as a whole."""

    status = 400
    code = "invalid_characters"


def _clean_str(value: str) -> tuple[str, bool]:
    if has_forbidden(value):
        return strip_controls(value.replace("\x00", "")).encode("utf-8", "ignore").decode(), True
    return strip_controls(value), False


class CleanMultiDict(ImmutableMultiDict):
    """``request.args`` / ``form`` / ``files`` with control characters stripped; ``rejected`` is
    True when a key or value carried a forbidden character (removed here, refused by the hook)."""

    rejected = False

    def __init__(self, mapping=None):
        items, rejected = [], False
        for key, value in iter_multi_items(mapping or ()):
            if isinstance(key, str):
                key, bad = _clean_str(key)
                rejected |= bad
            if isinstance(value, str):
                value, bad = _clean_str(value)
                rejected |= bad
            elif isinstance(value, FileStorage) and value.filename:
                rejected |= has_forbidden(value.filename)
                value.filename = single_line(value.filename, 255)  # no control character at all
            items.append((key, value))
        super().__init__(items)
        if rejected:
            self.rejected = True


def clean_json(data, depth: int = 0) -> tuple[object, str | None]:
    """(a copy of ``data`` with every string cleaned, the reason it must be refused or None)."""
    if depth > MAX_JSON_DEPTH:
        return None, "depth"
    if isinstance(data, str):
        value, bad = _clean_str(data)
        return value, "characters" if bad else None
    if isinstance(data, list):
        out, problem = [], None
        for item in data:
            value, issue = clean_json(item, depth + 1)
            out.append(value)
            problem = problem or issue
        return out, problem
    if isinstance(data, dict):
        cleaned, problem = {}, None
        for key, item in data.items():
            key, bad = _clean_str(key)
            value, issue = clean_json(item, depth + 1)
            cleaned[key] = value
            problem = problem or ("characters" if bad else None) or issue
        return cleaned, problem
    return data, None


class CleanRequest(Request):
    """Flask's request with clean parameters and JSON (see the module doc)."""

    parameter_storage_class = CleanMultiDict
    #: Why the JSON body must be refused ("characters", "depth"), or None.
    json_problem: str | None = None

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:  # nesting deeper than the parser can follow: not valid input
            if silent:
                return None
            raise BadRequest() from None
        if data is None:
            return None
        cached = self.__dict__.get("_clean_json")
        if cached is not None and cached[0] is data:
            return cached[1]
        cleaned, problem = clean_json(data)
        if problem:
            self.json_problem = problem
        self.__dict__["_clean_json"] = (data, cleaned)
        return cleaned


def raw_input(view: Callable) -> Callable:
    """Mark a view that reads its body as bytes and judges it itself (the input hook skips it)."""
    view.raw_input = True  # type: ignore[attr-defined]
    return view


def _refuse(problem: str = "characters"):
    if problem == "depth":
        raise ForbiddenInput(_("请求内容嵌套过深，无法处理。"), code="invalid_json")
    raise ForbiddenInput(_("提交的内容含有不允许的控制字符（如 NUL），请删除后重试。"))


def check_request_input() -> None:
    """The before_request hook: parse the request's parameters now and refuse forbidden characters."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "raw_input", False):
        return
    # HTTP forbids NUL in a header value; one used as data (Idempotency-Key) would reach the database
    if has_forbidden(request.path) or any("\x00" in value for _name, value in request.headers.items()):
        _refuse()
    if request.method in _WRITES and (getattr(request.form, "rejected", False)
                                      or getattr(request.files, "rejected", False)):
        _refuse()
    if request.is_json and request.content_length:
        request.get_json(silent=True)
        if request.json_problem:
            _refuse(request.json_problem)


#: The largest id a route takes: PostgreSQL's ``integer``, the type of every id column.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number beyond MAX_ID names nothing, as 0 names nothing (ids start
    at 1), and is passed to the view as 0: ``/p/99999999999999999999`` is answered as any unknown id
    (404), not with a database error (PostgreSQL refuses an integer out of range: a 500). Rejecting it
    in the routing instead let another rule match the path (a GET-only one: a 405 to a POST)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def init_input(app: Flask) -> None:
    """Install the clean request class, the bounded ``int`` converter (before any route is added) and
    the hook (before the app's other hooks that read input)."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request_input)


__all__ = ["MAX_ID", "CleanMultiDict", "CleanRequest", "ForbiddenInput", "IdConverter", "check_request_input",
           "clean_json", "init_input", "raw_input"]
