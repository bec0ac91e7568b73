"""The JSON API under /api/v1: one blueprint, routes attached by each domain's api.py.

Auth: the session cookie (writes need the X-CSRFToken header) or ``Authorization: Bearer <token>``
with a personal API token, limited by its scopes (``scoped``, marketplace.accounts.scopes). Errors
are JSON: ``{"error": {"code": "...", "message": "..."}}``.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import ApiError
from marketplace.openapi import MAX_ID, api_doc, build_spec
from marketplace.schemas import PingSchema
from marketplace.web import MAX_PAGE, paginate

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


def scoped(*scopes: str):
    """Declare the token scopes a route needs (any one of them); ``read`` also opens GET requests.

    Enforced for every API route before the view runs (``_check_scope``); a write route without a
    declaration is closed to tokens. The OpenAPI description shows the same declaration.
    """

    def decorate(view):
        view.api_scopes = tuple(scopes)
        return view

    return decorate


@api_bp.before_request
def _check_scope():
    """A bearer token lacking the route's scope gets 403 insufficient_scope (sessions are not limited)."""
    from marketplace.accounts.scopes import token_allows

    if not current_user.is_authenticated or not g.get("api_token_auth"):
        return
    view = current_app.view_functions.get(request.endpoint)
    needed = getattr(view, "api_scopes", None)
    if not token_allows(g.get("api_token_scopes", frozenset()), needed, request.method):
        names = ", ".join(needed or ()) or "-"
        raise ApiError(403, "insufficient_scope", _("这个令牌没有所需的权限范围（%(names)s）", names=names),
                       required_scopes=list(needed or ()))


def api_login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise ApiError(401, "unauthorized", _("需要登录或有效的 API 令牌"))
        return view(*args, **kwargs)

    wrapper.api_login_required = True  # read by the OpenAPI builder (401, security)
    return wrapper


def json_body() -> dict:
    """The request's JSON object, or a 400 with a clear message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("请求体必须是 JSON 对象"))
    return data


def page_args(default_size: int = 20, max_size: int = 100) -> tuple[int, int]:
    """page and per_page from the query string, clamped to sane values."""
    try:
        page = max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
        size = max(1, min(int(request.args.get("per_page", default_size)), max_size))
    except ValueError:
        raise ApiError(400, "invalid_page", _("page 和 per_page 必须是正整数")) from None
    return page, size


@api_bp.url_value_preprocessor
def _ids_in_range(_endpoint, values):
    """An id beyond the databases' integer columns cannot exist: 404, not an overflow in the driver."""
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_ID:
            raise ApiError(404, "not_found", _("不存在"))


def page_of(query, args: dict, serialise, max_size: int = 100) -> dict:
    """One page of ``query`` in the API's list shape (items, page, per_page, total, pages); ``page``
    and ``per_page`` come from ``parse_query``'s ``args`` and are clamped as ``page_args`` clamps them."""
    page = paginate(query, page=max(1, min(args["page"], MAX_PAGE)), per_page=max(1, min(args["per_page"], max_size)))
    return {"items": [serialise(row) for row in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total, "pages": page.pages}


@api_bp.get("/ping")
@api_doc("Liveness of the API", tags=["meta"], responses={200: PingSchema})
def ping():
    return {"ok": True}


@api_bp.get("/openapi.json")
@api_doc("This OpenAPI 3.1 document", tags=["meta"], responses={200: {"type": "object"}})
def openapi_json():
    """Generated once per process from the routes; public and cacheable."""
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    response = jsonify(spec)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@api_bp.get("/docs")
@api_doc("The API reference page (HTML, Swagger UI)", tags=["meta"], responses={200: "html"})
def docs():
    return render_template("api/docs.html")
