"""Error pages in the user's language, and JSON errors with a stable code for the API."""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.extensions import db
from marketplace.security import API_PREFIX, safe_next


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
          409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error"}


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
    }


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status: int, message: str | None = None, code: str | None = None, **details):
    title, text = _messages().get(status, (_("出错了"), ""))
    if wants_json():
        body = {"error": {"code": code or _CODES.get(status, "error"), "message": message or title, **details}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, text=message or text), status


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

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        status = e.code or 500
        message = None
        if status == 429:
            message = _("请求次数过多，请稍后再试。")
        elif status == 400 and e.description and getattr(e, "user_message", False):
            message = e.description
        return error_response(status, message)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.testing:
            raise e
        from marketplace.logs import safe_path

        # the path without its query string or secrets; form data and headers are never logged
        app.logger.exception("Unhandled error on %s %s", request.method, safe_path())
        db.session.rollback()
        return error_response(500)
