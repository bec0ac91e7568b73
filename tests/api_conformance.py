"""Every /api/v1 response of the test suite checked against the generated OpenAPI document: its
status must be documented for the operation and its JSON body must match the documented schema.
Hooked into the ``app`` fixtures (tests/conftest.py), so every API test is also a test of the spec."""

from __future__ import annotations

import functools

from flask import request
from openapi_schema_validator import OAS31Validator

_SPEC: dict = {}


def _spec(app) -> dict:
    if not _SPEC:
        from marketplace.openapi import build_spec

        _SPEC.update(build_spec(app))
    return _SPEC


@functools.cache
def _validator(path: str, method: str, status: str):
    operation = _SPEC["paths"][path][method]
    response = operation["responses"].get(status)
    if response is None:
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return OAS31Validator({**schema, "components": _SPEC["components"]}) if schema else False


def check(app, response) -> None:
    """Raise AssertionError when ``response`` (to the current request) breaks the document."""
    if not request.path.startswith("/api/v1/") or request.url_rule is None or request.method in ("HEAD", "OPTIONS"):
        return
    import re

    spec = _spec(app)
    path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", request.url_rule.rule)
    method = request.method.lower()
    assert path in spec["paths"] and method in spec["paths"][path], f"{method} {path} is not documented"
    validator = _validator(path, method, str(response.status_code))
    assert validator is not None, (f"{request.method} {request.path} answered {response.status_code}, "
                                   f"not documented for {path}: {response.get_data(as_text=True)[:300]}")
    if validator and response.is_json:
        errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.absolute_path))
        assert not errors, (f"{request.method} {request.path} {response.status_code} breaks its schema: "
                            + "; ".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]))


def install(app) -> None:
    @app.after_request
    def _conforms(response):
        check(app, response)
        return response
