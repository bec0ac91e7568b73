"""The OpenAPI 3.1 document of /api/v1: generated from the routes, valid, complete, served; the
reference page with its vendored Swagger UI under the site's CSP; request validation by schema."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from marshmallow import Schema, fields, validate
from openapi_spec_validator import validate as validate_spec
from openapi_spec_validator.versions import consts, get_spec_version

from marketplace.config import ROOT
from marketplace.errors import ApiError
from marketplace.openapi import Int, api_doc, api_rules, build_spec, load


@pytest.fixture
def spec(app):
    return build_spec(app)


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    assert get_spec_version(spec) == consts.OPENAPIV31
    validate_spec(spec)


def _documented_operations(spec) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item}


def _routed_operations(app) -> set[tuple[str, str]]:
    import re

    out = set()
    for rule in api_rules(app):
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        out.update((path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"})
    return out


def test_every_route_is_documented_and_every_documented_path_exists(app, spec):
    routed, documented = _routed_operations(app), _documented_operations(spec)
    assert routed - documented == set(), "routes missing from the document"
    assert documented - routed == set(), "documented operations without a route"
    assert len(routed) >= 18 and all(p.startswith("/api/v1/") for p, _m in routed)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] and operation["tags"] and operation["responses"], (method, path)


def test_a_route_without_api_doc_stops_the_build():
    app = Flask("probe")
    bp = Blueprint("api", __name__, url_prefix="/api/v1")

    @bp.get("/documented")
    @api_doc("Documented", tags=["x"], responses={200: None})
    def documented():
        return ""

    @bp.get("/forgotten/<int:thing_id>")
    def forgotten(thing_id):
        return ""

    app.register_blueprint(bp)
    with pytest.raises(LookupError, match="/api/v1/forgotten/<int:thing_id>"):
        build_spec(app)


def test_security_scopes_and_implied_statuses_come_from_the_code(spec):
    orders = spec["paths"]["/api/v1/orders/{order_id}/cancel"]["post"]
    assert orders["security"] == [{"bearerAuth": ["buyer"]}, {"sessionCookie": []}]
    assert {"400", "401", "403", "404", "409", "429"} <= set(orders["responses"])
    [param] = orders["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    public = spec["paths"]["/api/v1/products"]["get"]
    assert public["security"][0] == {} and "401" not in public["responses"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"][0] == {"bearerAuth": []} and "401" in me["responses"]
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message"}
    detail = spec["components"]["schemas"]["OrderDetail"]["properties"]
    assert detail["carrier"]["type"] == ["string", "null"]
    assert "cancelled" in spec["components"]["schemas"]["Order"]["properties"]["status"]["enum"]


def test_spec_is_served_public_and_cacheable(app, make_user, login, client):
    anonymous = app.test_client().get("/api/v1/openapi.json")
    assert anonymous.status_code == 200 and anonymous.get_json()["openapi"] == "3.1.0"
    assert anonymous.headers["Cache-Control"] == "public, max-age=300"
    login(make_user())
    signed_in = client.get("/api/v1/openapi.json")
    assert signed_in.headers["Cache-Control"] == "public, max-age=300"


def test_reference_page_uses_the_vendored_swagger_ui_under_the_sites_csp(app, client):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "/static/js/api-docs.js" in html
    assert "<script>" not in html and "http://" not in html.replace("http://www.w3.org", "")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp
    vendor = ROOT / "static" / "vendor" / "swagger-ui"
    assert "Apache License" in (vendor / "LICENSE").read_text()
    assert (vendor / "swagger-ui-bundle.js").stat().st_size > 100_000
    css = client.get("/static/vendor/swagger-ui/swagger-ui.css")
    assert css.status_code == 200
    css.close()
    english = client.get("/api/v1/docs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "API documentation" in english


def test_ids_beyond_the_integer_columns_are_404_not_an_overflow(client):
    for path in ("/api/v1/products/2147483648", "/api/v1/products/99999999999999999999999",
                 "/api/v1/projects/2147483648"):
        response = client.get(path)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", path
    assert client.get("/api/v1/products/2147483647").status_code == 404


class Probe(Schema):
    quantity = Int(required=True, minimum=0, maximum=10)
    name = fields.String(validate=validate.Length(min=1, max=5))
    kind = fields.String(validate=validate.OneOf(["a", "b"]))
    rows = fields.List(fields.Nested(Schema.from_dict({"price": Int(required=True, minimum=0)})))


@pytest.mark.parametrize("data, field, message", [
    ({}, "quantity", "缺少必填字段：quantity"),
    ({"quantity": "3"}, "quantity", "quantity：必须是整数"),
    ({"quantity": True}, "quantity", "quantity：必须是整数"),
    ({"quantity": 2.5}, "quantity", "quantity：必须是整数"),
    ({"quantity": 11}, "quantity", "quantity：必须是 0 到 10 之间的整数"),
    ({"quantity": None}, "quantity", "quantity 不能为空"),
    ({"quantity": 1, "name": ""}, "name", "name：长度为 1 到 5 个字符"),
    ({"quantity": 1, "kind": "c"}, "kind", "kind：必须是以下之一：a, b"),
    ({"quantity": 1, "extra": 1}, "extra", "未知字段：extra"),
    ({"quantity": 1, "rows": [{"price": 1}, {"price": -1}]}, "rows.1.price", "rows.1.price：必须是 0 到 ∞ 之间的整数"),
    ({"quantity": 1, "rows": "x"}, "rows", "rows：必须是列表"),
])
def test_request_validation_names_the_field_in_the_users_language(app, data, field, message):
    with app.test_request_context(), pytest.raises(ApiError) as refused:
        load(Probe(), data)
    assert refused.value.status == 400 and refused.value.code == "invalid"
    assert refused.value.field == field and refused.value.message == message
    with app.test_request_context():
        assert load(Probe(), {"quantity": 3}) == {"quantity": 3}
