"""The OpenAPI 3.1 description of /api/v1, generated from the code.

Every API route carries ``@api_doc(...)`` (summary, tags, body/query schemas, responses by status);
what the code itself knows is read from it, never restated: the path and its parameters come from
the URL rule, "login required" from ``api_login_required``, the token scopes from ``scoped``. The
builder walks ``app.url_map`` for the api blueprint, so a route without ``@api_doc`` stops the build
(and the test that builds it). Request and response bodies are marshmallow schemas, turned into JSON
Schema by apispec; ``parse_body`` and ``parse_query`` validate requests with the same schemas and
answer 400 in the API's error shape, with the field and a message in the user's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from marketplace.errors import ApiError

#: Largest id a path accepts (the databases' 32-bit integer columns); larger ones are a 404.
MAX_ID = 2**31 - 1
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class ApiDoc:
    summary: str
    tags: tuple[str, ...]
    description: str = ""
    body: type[Schema] | Schema | None = None
    body_required: bool = True
    query: type[Schema] | None = None
    #: status -> a response schema, None for an empty body, or "error" for ErrorSchema
    responses: dict[int, object] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()


def api_doc(summary: str, *, tags, description: str = "", body=None, body_required: bool = True, query=None,
            responses: dict[int, object] | None = None, headers=()):
    """Describe an API route for the OpenAPI document (stored on the view; nothing is wrapped).

    ``responses`` maps a status to a schema (class or instance), None (no body) or "error"; the
    statuses every route of its kind can give (400, 429 and 503 for any; 401, 403, 404 for ids) are added
    by the builder. ``headers`` are (name, description) pairs of request headers the route reads.
    """

    def decorate(view):
        view.api_doc = ApiDoc(summary=summary, tags=tuple(tags), description=description, body=body,
                              body_required=body_required, query=query, responses=dict(responses or {}),
                              headers=tuple(headers))
        return view

    return decorate


#: Extra JSON Schema keywords for component schemas marshmallow cannot express (anyOf ...), by class.
_EXTRA: dict[type, dict] = {}


def extend_schema(schema_cls: type[Schema], **keywords) -> type[Schema]:
    """Add JSON Schema keywords to a schema's component, e.g. ``anyOf=[{"required": ["a"]}, ...]``."""
    _EXTRA[schema_cls] = keywords
    return schema_cls


# --- shared schemas ------------------------------------------------------------------------------

class ErrorDetail(Schema):
    class Meta:
        unknown = "include"  # routes add details (field, fields, required_scopes ...)

    code = fields.String(required=True, metadata={"description": "Stable code for programs, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "For people, in the user's language"})
    field = fields.String(metadata={"description": "The request field at fault"})
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"description": "Messages of several fields"})
    required_scopes = fields.List(fields.String(), metadata={"description": "insufficient_scope: what is needed"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class Int(fields.Integer):
    """An integer that is an integer: no strings, floats or booleans (marshmallow's strict lets True in)."""

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **kwargs):
        if minimum is not None or maximum is not None:
            kwargs.setdefault("validate", validate.Range(min=minimum, max=maximum))
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def page_fields(max_size: int = 100, default_size: int = 20) -> dict:
    """``page`` and ``per_page`` query fields (as marketplace.api.page_args reads them: out-of-range
    values are clamped, not refused)."""
    return {"page": fields.Integer(load_default=1, metadata={"description": "1-based page number (1 to 10000)"}),
            "per_page": fields.Integer(load_default=default_size,
                                       metadata={"description": f"Items per page (1 to {max_size}, "
                                                                f"default {default_size})"})}


# --- validating requests with the schemas ------------------------------------------------------

class Refusal(validate.Validator):
    """A validator that checks with the database or a table (a unit, a code) and words its own refusal
    in the user's language: ``check(value)`` returns the message, or None when the value is good.
    parse_body passes that message on instead of describing the field's rules."""

    def __init__(self, check):
        self.check = check

    def __call__(self, value):
        message = self.check(value)
        if message:
            raise ValidationError(str(message))
        return value


def _rule_text(schema_field, wrong_type: bool = False) -> str:
    """What a field accepts, in the user's language (marshmallow's own messages are English)."""
    for rule in () if wrong_type else schema_field.validators:
        if isinstance(rule, validate.OneOf):
            return _("必须是以下之一：%(choices)s", choices=", ".join(str(c) for c in rule.choices))
        if isinstance(rule, validate.Range):
            low = "-∞" if rule.min is None else str(rule.min)
            high = "∞" if rule.max is None else str(rule.max)
            return _("必须是 %(low)s 到 %(high)s 之间的整数", low=low, high=high)
        if isinstance(rule, validate.Length) and rule.max is not None:
            if isinstance(schema_field, fields.List):
                return _("最多 %(n)d 项", n=rule.max)
            return _("长度为 %(low)d 到 %(high)d 个字符", low=rule.min or 0, high=rule.max)
    kinds = ((fields.Boolean, _("必须是 true 或 false")), (fields.Integer, _("必须是整数")),
             (fields.List, _("必须是列表")), (fields.Nested, _("必须是 JSON 对象")), (fields.String, _("必须是文本")))
    return next((text for kind, text in kinds if isinstance(schema_field, kind)), _("格式不正确"))


def _first_problem(schema: Schema, messages, prefix: str = "") -> tuple[str, str]:
    """The first field at fault (dotted path) and a message for it in the user's language."""
    name, detail = next(iter(messages.items()))
    by_key = {f.data_key or n: f for n, f in schema.fields.items()}
    path = f"{prefix}{name}"
    schema_field = by_key.get(name)
    if schema_field is None:
        if name == "_schema":
            return prefix.rstrip(".") or "body", _("必须是 JSON 对象")
        return path, _("未知字段：%(name)s", name=str(name)[:40])
    if isinstance(detail, dict) and detail:
        inner = getattr(schema_field, "schema", None) or getattr(getattr(schema_field, "inner", None), "schema", None)
        key = next(iter(detail))
        if isinstance(key, int):  # a list's item
            sub = detail[key]
            if inner is not None and isinstance(sub, dict):
                return _first_problem(inner, sub, f"{path}.{key}.")
            return f"{path}.{key}", _rule_text(getattr(schema_field, "inner", schema_field))
        if inner is not None:
            return _first_problem(inner, detail, f"{path}.")
    text = " ".join(detail) if isinstance(detail, list) else str(detail)
    if isinstance(detail, list) and detail and any(isinstance(r, Refusal) for r in schema_field.validators) \
            and not text.startswith(("Not a valid", "Missing data", "Field may not be null")):
        return path, str(detail[0])
    if "Missing data" in text:
        return path, _("缺少必填字段：%(name)s", name=path)
    if "may not be null" in text:
        return path, _("%(name)s 不能为空", name=path)
    return path, _("%(name)s：%(rule)s", name=path, rule=_rule_text(schema_field, text.startswith("Not a valid")))


def load(schema: Schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        name, message = _first_problem(schema, messages)
        raise ApiError(400, "invalid", message, field=name) from None


def parse_body(schema: type[Schema] | Schema) -> dict:
    """The request's JSON body loaded with ``schema``; a 400 ``invalid`` with the field otherwise."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("请求体必须是 JSON 对象"))
    return load(schema() if isinstance(schema, type) else schema, data)


def parse_query(schema: type[Schema]) -> dict:
    """The query string loaded with ``schema`` (unknown arguments are ignored)."""
    return load(schema(unknown="exclude"), request.args.to_dict())


# --- the document ------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path_parameters(rule) -> tuple[str, list[dict]]:
    params = []
    for converter, name in _PARAM.findall(rule.rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    path = _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
    return path, params


def _security(view, login: bool) -> list[dict]:
    scopes = getattr(view, "api_scopes", None)
    token = {"bearerAuth": list(scopes or ())}
    return [token, {"sessionCookie": []}] if login else [{}, token, {"sessionCookie": []}]


def _response(status: int, value) -> dict:
    if value is None:
        return {"description": _STATUS_TEXT.get(status, "No content")}
    if value == "html":
        return {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}
    if isinstance(value, dict):
        return {"description": _STATUS_TEXT.get(status, "OK"), "content": {"application/json": {"schema": value}}}
    schema = ErrorSchema if value == "error" else value
    return {"description": _STATUS_TEXT.get(status, "OK"), "content": {"application/json": {"schema": schema}}}


_STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "No content", 400: "Bad request: invalid JSON, field, CSRF token or characters",
    401: "Not signed in and no valid API token", 403: "Forbidden: the token lacks a scope, or the user a role",
    404: "Not found (also another user's or shop's id)", 409: "Conflict: the object's state does not allow it",
    422: "Refused: a value breaks a rule", 429: "Too many requests",
    503: "A service it needs (the database) is down: try again after Retry-After seconds",
}


def _operation(rule, method: str, view) -> dict:
    doc: ApiDoc = view.api_doc
    login = bool(getattr(view, "api_login_required", False))
    _path, params = _path_parameters(rule)
    responses = {status: _response(status, value) for status, value in sorted(doc.responses.items())}
    # any request: 400 for NUL or other refused bytes in its path, headers or body
    # (marketplace.input), 429 for its rate limit, 503 while the database is down (marketplace.errors)
    implied = {400: "error", 429: "error", 503: "error"}
    if login:
        implied[401] = "error"
    if login or getattr(view, "api_scopes", None) is not None or method in WRITE_METHODS:
        implied[403] = "error"
    if params:
        implied[404] = "error"
    for status, value in implied.items():
        responses.setdefault(status, _response(status, value))
    operation = {"summary": doc.summary, "tags": list(doc.tags), "operationId": view.__name__,
                 "security": _security(view, login), "responses": {str(k): v for k, v in sorted(responses.items())}}
    if doc.description:
        operation["description"] = doc.description
    parameters = list(params)
    if doc.query is not None:
        parameters.append({"in": "query", "schema": doc.query})
    for name, text in doc.headers:
        parameters.append({"in": "header", "name": name, "required": False, "description": text,
                           "schema": {"type": "string"}})
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = {"required": doc.body_required,
                                    "content": {"application/json": {"schema": doc.body}}}
    return operation


def api_rules(app: Flask):
    """The URL rules of the api blueprint (every route under /api/v1)."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")), key=lambda r: r.rule)


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every route of the api blueprint; a route without @api_doc is an error."""
    spec = APISpec(title="Local marketplace API", version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": (__doc__ or "").split("\n\n")[0] + _INTRO},
                   servers=[{"url": "/"}])
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token (mkt_...), made on the account's token page; its scopes "
                       "(read, buyer, merchant) are listed per operation."})
    spec.components.security_scheme("sessionCookie", {
        "type": "apiKey", "in": "cookie", "name": "session",
        "description": "The signed-in browser session; writes also need the X-CSRFToken header."})
    missing = []
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "api_doc"):
            missing.append(f"{rule.rule} ({rule.endpoint})")
            continue
        path, _params = _path_parameters(rule)
        operations = {m.lower(): _operation(rule, m, view) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})}
        spec.path(path=path, operations=operations)
    if missing:
        raise LookupError("API routes without @api_doc: " + ", ".join(missing))
    document = spec.to_dict()
    for schema_cls, keywords in _EXTRA.items():
        component = document.get("components", {}).get("schemas", {}).get(_schema_name(schema_cls))
        if component is not None:
            component.update(keywords)
    return document


_INTRO = """

Authentication: a signed-in session (writes send the X-CSRFToken header) or a personal API token,
`Authorization: Bearer mkt_...`, limited by its scopes: `read` (GET requests only), `buyer` (cart,
checkout, own orders), `merchant` (the /shops/{shop_id}/... endpoints, for the shop's owner and
staff). Amounts are integers in minor units (fen); fields the server computes are ignored in
requests. Errors: `{"error": {"code": "...", "message": "...", "field": "..."}}`."""


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and (schema.only or schema.exclude or schema.partial):
        return ""  # a variant of a schema: inline
    return name
