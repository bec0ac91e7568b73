"""GET /healthz for a load balancer: database, search indexes, media storage, Redis (when configured), free disk.

200 with the details when every check passes, 503 when one fails. The answer names each check
and, on failure, only the kind of error (never a URL, a password or a path outside DATA_DIR).
"""

from __future__ import annotations

import os
import shutil
import time

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app

from marketplace.extensions import db

bp = Blueprint("health", __name__)

#: Below this much free space under DATA_DIR the app reports itself unhealthy (config HEALTH_MIN_FREE_MB).
MIN_FREE_MB = 200


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        out = check()
    except Exception as exc:  # any failure is a 503 with the error's kind only
        out = {"ok": False, "error": type(exc).__name__}
    out["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return out


def check_database() -> dict:
    try:
        db.session.execute(sa.text("SELECT 1"))
    finally:
        db.session.rollback()
    return {"ok": True, "dialect": db.engine.dialect.name}


def check_redis() -> dict | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_disk() -> dict:
    usage = shutil.disk_usage(current_app.config["DATA_DIR"])
    free_mb = usage.free // (1024 * 1024)
    minimum = int(current_app.config.get("HEALTH_MIN_FREE_MB", MIN_FREE_MB))
    return {"ok": free_mb >= minimum, "free_mb": free_mb, "min_free_mb": minimum}


@bp.get("/healthz")
def healthz():
    """Database, each domain's registered checks (the search indexes), Redis when configured, disk."""
    checks = {"database": _timed(check_database)}
    for name, check in current_app.extensions.get("health_checks", {}).items():
        checks[name] = _timed(check)
    checks["disk"] = _timed(check_disk)
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _timed(check_redis)
    healthy = all(c["ok"] for c in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return body, (200 if healthy else 503), {"Cache-Control": "no-store"}



def register_check(app: Flask, name: str, check) -> None:
    """A domain's own check for /healthz: ``check()`` returns {"ok": bool, ...} or raises."""
    checks = app.extensions.setdefault("health_checks", {})
    if name in checks:
        raise RuntimeError(f"health check {name!r} is registered twice")
    checks[name] = check


def _check_storage() -> dict:
    from marketplace.storage import get_storage

    return get_storage().check()


def _hello():
    return "hello", 200, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """/healthz; with MARKETPLACE_BENCH=1 (never in production), /bench/hello: the stack's ceiling
    for bench/load.py."""
    from marketplace.domains import register

    register(app, "health", package=__name__, blueprint=bp)
    register_check(app, "storage", _check_storage)
    if os.environ.get("MARKETPLACE_BENCH") == "1" or app.config.get("BENCH_HELLO"):
        app.add_url_rule("/bench/hello", "bench_hello", _hello)
