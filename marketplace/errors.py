"""Error pages in the user's language, and JSON errors with a stable code for the API."""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, current_app, flash, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, SecurityError

from marketplace.extensions import db, login_manager
from marketplace.logs import safe_path
from marketplace.security import API_PREFIX, safe_next
from marketplace.storage import StorageUnavailable

log = logging.getLogger(__name__)


class DomainError(Exception):
    """The one refusal type: every domain's errors derive from it, one handler each for HTML and JSON.

    ``message`` is for the user, in his language; ``code`` is stable for API clients; ``status`` is
    the HTTP status; ``field`` names the form field at fault (``errors`` maps several fields to
    their messages). Subclasses set class-level ``status`` and ``code`` defaults.
    """

    status: int = 400
    code: str = "invalid"

    def __init__(self, message: str = "", *, status: int | None = None, code: str | None = None,
                 field: str | None = None, errors: dict[str, list[str]] | None = None, **details):
        super().__init__(str(message))
        self.message = str(message)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.field = field
        self.errors = {name: [str(m) for m in msgs] for name, msgs in (errors or {}).items()}
        if field and field not in self.errors and self.message:
            self.errors[field] = [self.message]
        self.details = details

    def __str__(self) -> str:
        return self.message


class ApiError(DomainError):
    """A refusal raised by API code itself (bad JSON, paging): status and code first."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message, status=status, code=code, **details)


def form_errors(form, error: DomainError) -> bool:
    """Attach ``error``'s field messages to a Flask-WTF ``form``; False when none matched a field
    (the caller then flashes ``error.message``)."""
    attached = False
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
            attached = True
    return attached


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error",
          503: "service_unavailable"}


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请返回检查后重试。")),
        401: (_("请先登录"), _("这个操作需要登录。")),
        403: (_("没有权限"), _("您的账号没有访问这个页面的权限。")),
        404: (_("页面不存在"), _("您要找的内容不存在或已被移除。")),
        405: (_("请求方式不支持"), _("这个地址不接受这种请求。")),
        409: (_("操作冲突"), _("当前状态不允许这个操作，请刷新后再试。")),
        413: (_("文件太大"), _("上传的内容超过了大小限制。")),
        429: (_("操作太频繁"), _("请求次数过多，请稍后再试。")),
        500: (_("服务器出错了"), _("我们已经记录了这个问题，请稍后再试。")),
        503: (_("服务暂时不可用"), _("网站的部分服务暂时无法连接，我们正在恢复。请稍等片刻后再试。")),
    }


def _database_text() -> str:
    return _("网站的数据库暂时无法连接，我们正在恢复。请稍等片刻后刷新页面。")


def storage_text() -> str:
    """What a visitor is told when the media store cannot be reached: for a form that sent files,
    that nothing was saved (the whole action was rolled back); for a file asked for, to try later."""
    if request.method in ("POST", "PUT", "PATCH"):
        return _("文件存储暂时无法连接，这次提交没有保存（包括上传的文件）。请稍后再提交一次。")
    return _("文件存储暂时无法连接，这个文件暂时无法显示。请稍后再试。")


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status: int, message: str | None = None, code: str | None = None, **details):
    title, text = _messages().get(status, (_("出错了"), ""))
    if wants_json():
        body = {"error": {"code": code or _CODES.get(status, "error"), "message": message or title, **details}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, text=message or text), status


#: The database cannot be reached (server stopped, connection refused or dropped, pool exhausted):
#: what the request needs is missing, not broken. psycopg's and sqlite3's OperationalError arrive
#: wrapped in SQLAlchemy's (an unwrapped psycopg one, from a raw connection, is recognised too).
DB_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
#: Seconds a client is asked to wait (``Retry-After``) when a service the request needs is down.
RETRY_AFTER_SECONDS = 30
_last_outage_log = {"at": 0.0, "storage": 0.0}


def _driver_errors() -> tuple[type[BaseException], ...]:
    """psycopg's own connection errors, if psycopg is loaded (a PostgreSQL engine loads it)."""
    psycopg = sys.modules.get("psycopg")
    return (psycopg.OperationalError, psycopg.InterfaceError) if psycopg is not None else ()


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an error it was raised from) says the database cannot be reached."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DB_UNAVAILABLE + _driver_errors()):
            return True
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _log_outage(exc: BaseException) -> None:
    """One line per failed request (the kind of error, never the statement or its parameters, which
    can hold personal data); at most one line a minute per process at ERROR, the rest at WARNING."""
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [""])[0][:200]
    now = time.monotonic()
    level = logging.ERROR if now - _last_outage_log["at"] > 60 else logging.WARNING
    if level == logging.ERROR:
        _last_outage_log["at"] = now
    log.log(level, "database unavailable on %s %s: %s: %s", request.method, safe_path(),
            type(orig).__name__, first_line)


def as_visitor_without_database() -> None:
    """After a database failure: roll the session back (a dead connection is discarded; later use
    would otherwise fail with "pending rollback") and go on as a visitor, so the rest of the
    request (locale, menus) never asks for the user's row again. Responses still carry
    ``no-store`` for a session that names a user (security._signed_in)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool discards it
        log.debug("rollback after a database failure failed too", exc_info=True)
    g._login_user = login_manager.anonymous_user()


def service_unavailable(exc: BaseException):
    """503 with ``Retry-After`` for a request that needs the database while it is down: JSON under
    /api/, else the error page in the visitor's language. The session is rolled back and the
    visitor treated as anonymous, so answering never touches the database again."""
    as_visitor_without_database()
    _log_outage(exc)
    retry = int(current_app.config.get("RETRY_AFTER_SECONDS") or RETRY_AFTER_SECONDS)
    headers = {"Retry-After": str(retry), "Cache-Control": "no-store"}
    try:
        body, status = error_response(503, _database_text(), **({"retry_after": retry} if wants_json() else {}))
    except Exception:  # noqa: BLE001 - never a 500 for an outage: a bare page instead
        log.warning("the 503 page could not be rendered", exc_info=True)
        body, status = "<!doctype html><title>503</title><h1>503 Service Unavailable</h1>", 503
    return body, status, headers


def storage_unavailable(exc: BaseException):
    """503 for a request whose media store (the S3 bucket) cannot be reached (marketplace.storage
    raises StorageUnavailable): the transaction is rolled back, so no row points to a file that was
    never stored; the page or JSON (``storage_unavailable``) says so in the visitor's language. A
    form that can show the error itself (the product photos) catches it first and re-renders."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a database outage at the same time: the pool discards it
        log.debug("rollback after a storage failure failed too", exc_info=True)
    now = time.monotonic()
    level = logging.ERROR if now - _last_outage_log["storage"] > 60 else logging.WARNING
    if level == logging.ERROR:
        _last_outage_log["storage"] = now
    log.log(level, "media storage unavailable on %s %s: %s", request.method, safe_path(), exc)
    retry = int(current_app.config.get("RETRY_AFTER_SECONDS") or RETRY_AFTER_SECONDS)
    details = {"retry_after": retry} if wants_json() else {}
    body, status = error_response(503, storage_text(), code="storage_unavailable", **details)
    return body, status, {"Retry-After": str(retry), "Cache-Control": "no-store"}


def _same_site_referrer() -> str | None:
    """The referring page's path when it is one of ours, else None."""
    referrer = request.referrer or ""
    root = request.host_url
    if not referrer.startswith(root):
        return None
    path = "/" + referrer[len(root):]
    return path if safe_next(path, "") else None


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(e):
        return error_response(400, _("表单已过期或来源无效，请刷新页面后重新提交。"), code="csrf_failed")

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        db.session.rollback()
        if wants_json():
            details = dict(e.details)
            if e.field:
                details["field"] = e.field
            if e.errors and (len(e.errors) > 1 or not e.field):
                details["fields"] = e.errors
            return error_response(e.status, e.message, code=e.code, **details)
        # A form sent from one of our pages goes back to that page with the message; a request
        # without a (same-site) referrer gets an error page with the refusal's status.
        back = _same_site_referrer()
        if request.method == "POST" and back and e.status not in (401, 403, 404):
            flash(e.message or _("操作未完成"), "error")
            return redirect(back, code=303)
        return error_response(e.status, e.message or None, code=e.code)

    @app.errorhandler(SecurityError)
    def _untrusted_host(_e: SecurityError):
        # A Host that is not ours (TRUSTED_HOSTS, production): a bare 400. No page is rendered for
        # it, not even the error page, whose links would have to be built for that host.
        return Response("400 Bad Request: unknown host\n", status=400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        status = e.code or 500
        message = None
        if status == 429:
            # a limit declared with its own message (sending SMS codes) says which limit it is
            own = getattr(getattr(e, "limit", None), "error_message", None)
            message = e.description if own else _("请求次数过多，请稍后再试。")
        elif status == 400 and e.description and getattr(e, "user_message", False):
            message = e.description
        return error_response(status, message)

    for kind in DB_UNAVAILABLE:
        app.register_error_handler(kind, service_unavailable)
    app.register_error_handler(StorageUnavailable, storage_unavailable)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        if database_unavailable(e):  # raised from a database error (wrapped by other code)
            return service_unavailable(e)
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.testing:
            raise e
        from marketplace.logs import safe_path

        # the path without its query string or secrets; form data and headers are never logged
        app.logger.exception("Unhandled error on %s %s", request.method, safe_path())
        db.session.rollback()
        return error_response(500)
