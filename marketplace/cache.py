"""A cache for hot read paths (home page blocks, category trees, facet counts).

Flask-Caching underneath: ``RedisCache`` when ``REDIS_URL`` is set (shared by every worker and
machine), an in-process ``SimpleCache`` otherwise. The API is the same either way:

    cached("catalog", "home:featured", build, timeout=300)   # value of build(), cached

Invalidation by version: every key lives under a *group* whose version is part of the key. A
commit that changed a model registered for the group (``watch(group, Model, ...)``) bumps the
version after the commit, so the next read rebuilds; old entries simply expire. The version is in
Redis when Redis is used; without Redis it is a small file under DATA_DIR, so every worker of one
machine sees a bump at once (one ``stat`` per read) and the in-process caches stay correct.

Cache values are plain data (ids, tuples, small snapshots), never ORM objects: callers re-read
rows by primary key, so a product hidden a second ago is never shown from the cache.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

cache = Cache()
DEFAULT_TIMEOUT = 300
_FLAG = "cache_groups_changed"
#: group -> model classes whose changes bump it; table name -> groups (for bulk UPDATE/DELETE)
_WATCHED: dict[str, set[type]] = {}
_TABLES: dict[str, set[str]] = {}


def init_cache(app: Flask) -> None:
    """Bind the cache: Redis when REDIS_URL is set (CACHE_TYPE may force another), else in-process."""
    redis_url = app.config.get("CACHE_REDIS_URL", app.config.get("REDIS_URL"))
    config = {
        "CACHE_TYPE": app.config.get("CACHE_TYPE") or ("RedisCache" if redis_url else "SimpleCache"),
        "CACHE_DEFAULT_TIMEOUT": int(app.config.get("CACHE_DEFAULT_TIMEOUT", DEFAULT_TIMEOUT)),
        "CACHE_KEY_PREFIX": app.config.get("CACHE_KEY_PREFIX", "mkt:"),
        "CACHE_THRESHOLD": int(app.config.get("CACHE_THRESHOLD", 2000)),
    }
    if config["CACHE_TYPE"] == "RedisCache":
        config["CACHE_REDIS_URL"] = redis_url
        config["CACHE_OPTIONS"] = {"socket_timeout": 1, "socket_connect_timeout": 1}
    cache.init_app(app, config=config)
    app.extensions["marketplace_cache"] = {"type": config["CACHE_TYPE"],
                                           "version_dir": os.path.join(app.config["DATA_DIR"], "cache-versions")}
    _install_events()


def _backend():
    return cache.cache


def _is_redis() -> bool:
    return current_app.extensions.get("marketplace_cache", {}).get("type") == "RedisCache"


def _version_file(group: str) -> str:
    return os.path.join(current_app.extensions["marketplace_cache"]["version_dir"], group)


def version(group: str) -> str:
    """The group's current version (part of every key of the group)."""
    if _is_redis():
        value = _backend().get(f"ver:{group}")
        return str(value or 0)
    try:
        st = os.stat(_version_file(group))
    except FileNotFoundError:
        return "0"
    return f"{st.st_mtime_ns:x}.{st.st_ino:x}.{st.st_size:x}"


def bump(group: str) -> None:
    """Invalidate every key of ``group`` (all workers, all machines sharing the Redis)."""
    if _is_redis():
        _backend().inc(f"ver:{group}")
        return
    path = _version_file(group)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex}"
    with open(tmp, "w") as fh:
        fh.write(uuid.uuid4().hex)
    os.replace(tmp, path)  # a new inode: the version changes even within one clock tick


def cached(group: str, key: str, build: Callable[[], object], timeout: int | None = None):
    """``build()``'s value, from the cache while the group's version is unchanged.

    A cache that cannot be reached (Redis down) is not an error: the value is built and served.
    """
    if not has_app_context() or "cache" not in current_app.extensions:
        return build()
    try:
        full = f"{group}:{version(group)}:{key}"
        value = _backend().get(full)
    except Exception:  # Redis unreachable: serve uncached
        log.warning("cache: read failed for %s", group, exc_info=True)
        return build()
    if value is not None:
        return value
    value = build()
    try:
        _backend().set(full, value, timeout=timeout)
    except Exception:
        log.warning("cache: write failed for %s", group, exc_info=True)
    return value


def clear() -> None:
    cache.clear()


# --- invalidation from SQLAlchemy -------------------------------------------------------------

def watch(group: str, *models: type, bulk: bool = True) -> None:
    """Bump ``group`` after any commit that inserted, changed or deleted a row of ``models``
    through the ORM, and (``bulk``) after a bulk ``update()``/``delete()``/``insert()`` on their
    tables. ``bulk=False`` suits tables whose bulk statements are hot and irrelevant to the cached
    values (checkout's stock updates: a cache bumped 50 times a second is no cache)."""
    _WATCHED.setdefault(group, set()).update(models)
    if bulk:
        for model in models:
            _TABLES.setdefault(model.__table__.name, set()).add(group)


def _mark(session: Session, groups) -> None:
    if groups:
        session.info.setdefault(_FLAG, set()).update(groups)


def bump_after_commit(group: str) -> None:
    """Bump ``group`` once the current transaction commits (nothing if it rolls back): for a bulk
    statement that is not watched (a hot one) but whose effect must show at once this time."""
    from marketplace.extensions import db

    _mark(db.session(), {group})


def _after_flush(session: Session, _ctx) -> None:
    if not _WATCHED:
        return
    changed = set()
    for obj in (*session.new, *session.deleted, *session.dirty):
        for group, models in _WATCHED.items():
            if group not in changed and isinstance(obj, tuple(models)):
                if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                    continue
                changed.add(group)
    _mark(session, changed)


def _do_orm_execute(state) -> None:
    if not _TABLES or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _TABLES:
        _mark(state.session, _TABLES[name])


def _after_commit(session: Session) -> None:
    groups = session.info.pop(_FLAG, None)
    if not groups or not has_app_context() or "cache" not in current_app.extensions:
        return
    for group in sorted(groups):
        try:
            bump(group)
        except Exception:  # the data is committed; entries expire after their timeout anyway
            log.warning("cache: could not bump %s", group, exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


_installed = False


def _install_events() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    _installed = True


__all__ = ["cache", "cached", "bump", "bump_after_commit", "version", "watch", "init_cache", "clear"]
