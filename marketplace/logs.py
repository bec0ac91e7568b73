"""Structured logs: one JSON line per request with a request id, and JSON for every other record.

Request id: taken from ``X-Request-ID`` only when a trusted proxy sits in front of the app
(``TRUSTED_PROXIES`` > 0 or ``REQUEST_ID_TRUST_HEADER``) and the value looks like an id; otherwise a
new one is generated. It is echoed in the response's ``X-Request-ID`` header and added to every log
record written while the request runs, so a proxy's, the app's and gunicorn's lines can be joined.

What is never logged: query strings (they can carry e-mails, tokens, search terms), request
bodies (passwords), headers and cookies. Path segments that are secrets by route (``<token>``,
``<key>``...) are replaced by their placeholder and anything shaped like an e-mail address or a
phone number is masked, so a reset link or an invitation never reaches a log file.

The safety net: every record any logger creates in this process (ours, werkzeug's, a library's)
has the e-mail addresses and phone numbers in its message, its exception text and its ``fields``
masked (``scrub_record``, installed as the log record factory and as a filter on our handler), so
a careless ``log.info("sent to %s", user.email)`` writes ``z***@example.com``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

from marketplace.privacy.masking import PHONE_RE, scrub_text

ACCESS_LOGGER = "marketplace.access"
_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_EMAIL_RE = re.compile(r"[^/@\s]+@[^/@\s]+")
#: Route arguments whose value is a credential: logged as "<name>".
_SECRET_ARGS = re.compile(r"token|secret|key|signature|password|code_hash", re.IGNORECASE)
#: Extra fields a record may carry (logger.info("...", extra={"fields": {...}})) that are dropped if
#: someone passes them by mistake.
_FORBIDDEN = {"password", "token", "email", "cookie", "authorization", "secret", "csrf_token", "phone", "mobile",
              "address", "recipient"}


def current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: ts, level, logger, msg, request_id and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or current_request_id()
        if rid:
            out["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update({k: v for k, v in fields.items() if k.lower() not in _FORBIDDEN})
        if record.exc_info or record.exc_text:
            out["exc"] = scrub_text(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def scrub_record(record: logging.LogRecord) -> bool:
    """Mask e-mail addresses and phone numbers in a record's message, exception text and fields, in
    place (always True: as a filter it drops nothing)."""
    if getattr(record, "_scrubbed", False):
        return True
    record._scrubbed = True
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is logging's own error to report
        return True
    clean = scrub_text(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub_text(logging.Formatter().formatException(record.exc_info))
    fields = getattr(record, "fields", None)
    if isinstance(fields, dict):
        record.fields = {k: scrub_text(v) if isinstance(v, str) else v for k, v in fields.items()}
    return True


class PiiFilter(logging.Filter):
    """``scrub_record`` as a handler filter (for handlers fed by a record factory other than ours)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return scrub_record(record)


def _install_record_factory() -> None:
    """Scrub every record when it is created, so every handler (and pytest's caplog) sees it masked."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_marketplace_scrub", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    factory._marketplace_scrub = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _incoming_id(app: Flask) -> str | None:
    trusted = app.config.get("REQUEST_ID_TRUST_HEADER")
    if trusted is None:
        trusted = bool(app.config.get("TRUSTED_PROXIES"))
    if not trusted:
        return None
    value = request.headers.get("X-Request-ID", "")
    return value if _ID_RE.match(value) else None


def safe_path() -> str:
    """The request path for a log line: no query string, secret route arguments replaced, e-mails masked."""
    path = request.path
    args = request.view_args or {}
    if request.url_rule is not None and any(_SECRET_ARGS.search(name) for name in args):
        path = request.url_rule.rule
        for name, value in args.items():
            if not _SECRET_ARGS.search(name):
                path = re.sub(rf"<(?:[^:<>]+:)?{re.escape(name)}>", str(value), path)
    return PHONE_RE.sub("<phone>", _EMAIL_RE.sub("<email>", path))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _configure_root(app: Flask) -> None:
    """JSON on stderr for the whole process (unless LOG_FORMAT=text), once."""
    if (app.config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT") or "json") != "json":
        return
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_marketplace", False)), None)
    if handler is None:
        # basicConfig's plain handler (create_app calls it) is replaced by ours
        for h in list(root.handlers):
            if type(h) is logging.StreamHandler and getattr(h, "stream", None) in (sys.stderr, sys.stdout):
                root.removeHandler(h)
        handler = _StderrHandler()
        handler._marketplace = True  # type: ignore[attr-defined]
        handler.addFilter(PiiFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter())
    root.setLevel((app.config.get("LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO").upper())


def init_logging(app: Flask) -> None:
    """Request ids, the access line per request, JSON formatting and the personal-data scrubber."""
    _install_record_factory()
    _configure_root(app)
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start():
        g.request_id = _incoming_id(app) or uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        rid = getattr(g, "request_id", None)
        if rid is None:  # a response from a before_request that ran before ours
            rid = g.request_id = uuid.uuid4().hex
        response.headers["X-Request-ID"] = rid
        started = getattr(g, "request_started", None)
        duration = round((time.perf_counter() - started) * 1000, 2) if started else None
        level = logging.DEBUG if request.path == "/healthz" and response.status_code == 200 else logging.INFO
        if access.isEnabledFor(level):
            access.log(level, "%s %s %s", request.method, safe_path(), response.status_code, extra={"fields": {
                "method": request.method, "path": safe_path(), "endpoint": request.endpoint,
                "status": response.status_code, "duration_ms": duration, "request_id": rid}})
        return response
