"""GET /healthz: 200 with details when everything works, 503 naming the failing check, no secrets."""

from __future__ import annotations

import shutil

import pytest

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.marketplace.perf_helpers import redis_url_or_none


def _open_indexes(app):
    from search import registered
    from search.whoosh.writer import handle_for

    if app.extensions["search"].name != "whoosh":
        return
    for name in registered():
        handle_for(name, app).current_path()


def test_healthy(app, client):
    _open_indexes(app)
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["ok"] and checks["database"]["dialect"] in ("sqlite", "postgresql")
    assert checks["search"]["ok"] and "products" in checks["search"]["indexes"]
    assert checks["disk"]["ok"] and checks["disk"]["free_mb"] > 0
    assert "redis" not in checks  # not configured
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in text
    assert app.config["DATA_DIR"] not in text


def test_missing_index_folder_is_unhealthy(app, client):
    _open_indexes(app)
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["search"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_low_disk_is_unhealthy(app, client):
    _open_indexes(app)
    app.config["HEALTH_MIN_FREE_MB"] = 10**12
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["disk"]["ok"] is False


def test_database_down_is_unhealthy_and_hides_the_url(app_config):
    # a server that is not there, with a password in the URL that must never be echoed
    app_config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://bench:hunter2-secret@127.0.0.1:1/nope"
    app_config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
    application = create_app(app_config)
    with application.app_context():
        response = application.test_client().get("/healthz")
        _db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == {"ok": False, "error": body["checks"]["database"]["error"],
                                          "ms": body["checks"]["database"]["ms"]}
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "127.0.0.1:1" not in text and "postgresql" not in text


def test_redis_unreachable_is_unhealthy(app_config):
    app_config["REDIS_URL"] = "redis://:sekret-pw@127.0.0.1:1/0"
    application = create_app(app_config)
    with application.app_context():
        _open_indexes(application)
        response = application.test_client().get("/healthz")
        # the pages still work: the cache falls back to building the value
        assert application.test_client().get("/categories").status_code == 200
        _db.session.remove()
        _db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["redis"]["ok"] is False
    assert "sekret" not in response.get_data(as_text=True)


def test_redis_reachable(app_config):
    url = redis_url_or_none()
    if url is None:
        pytest.skip("no Redis at TEST_REDIS_URL / REDIS_URL / 127.0.0.1:6379")
    app_config["REDIS_URL"] = url
    application = create_app(app_config)
    with application.app_context():
        _open_indexes(application)
        response = application.test_client().get("/healthz")
        _db.session.remove()
        _db.engine.dispose()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["redis"]["ok"] is True
