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

import contextlib
import logging
import os
import time
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
#: group -> callables run after a commit bumped it (``on_bump``)
_ON_BUMP: dict[str, list[Callable[[], None]]] = {}


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


# --- Redis down: degrade, never fail ----------------------------------------------------------
# After a failed call, Redis is not asked again for RETRY_SECONDS (a Redis that times out costs one
# timeout per window, not one per read); meanwhile reads are built uncached, versions are
# "unknown" (below), claims are counted in this process, and the groups whose bump was lost are
# remembered and bumped once Redis answers again. One warning per outage, one line when it ends.
RETRY_SECONDS = 5.0
#: How long a process-local stamp built on an unknown version lasts (prices and units tables).
UNKNOWN_VERSION_SECONDS = 30


def _outage() -> dict:
    ext = current_app.extensions.setdefault("marketplace_cache", {})
    return ext.setdefault("outage", {"until": 0.0, "down": False, "missed": set(), "claims": {}})


def available() -> bool:
    """False while the shared cache is known to be down (a call failed less than RETRY_SECONDS ago)."""
    return not _is_redis() or time.monotonic() >= _outage()["until"]


def _failed(what: str, exc: BaseException) -> None:
    state = _outage()
    state["until"] = time.monotonic() + float(current_app.config.get("CACHE_RETRY_SECONDS", RETRY_SECONDS))
    if not state["down"]:
        state["down"] = True
        log.warning("cache: Redis unreachable (%s: %s); serving without the shared cache until it answers",
                    what, type(exc).__name__)


def _recovered() -> None:
    state = _outage()
    if not state["down"]:
        return
    missed = sorted(state["missed"])
    for group in missed:  # the bumps lost while it was down: entries cached before must not be served
        _backend().inc(f"ver:{group}")
        state["missed"].discard(group)
    state["down"] = False
    log.warning("cache: Redis answers again%s", f"; bumped {', '.join(missed)}" if missed else "")


class CacheDown(Exception):
    """The shared cache (Redis) cannot be reached now; callers fall back to the database."""


def guarded(what: str, call: Callable[[], object]):
    """``call()`` against the shared cache; CacheDown (the outage noted, see above) when Redis
    cannot be reached or is known to be down. Without Redis, just ``call()``."""
    if not _is_redis():
        return call()
    if not available():
        raise CacheDown(what)
    try:
        _recovered()  # first the bumps lost while it was down, then what was asked
        value = call()
    except Exception as exc:  # noqa: BLE001 - redis' errors, a refused or timed-out connection
        _failed(what, exc)
        raise CacheDown(what) from exc
    return value


#: The prefix of a version read while Redis was down (``known`` says False).
UNKNOWN = "unknown-"


def version(group: str) -> str:
    """The group's current version (part of every key of the group). Redis down: an "unknown"
    version that changes every UNKNOWN_VERSION_SECONDS, so nothing compares equal to a version read
    before, and a process-local snapshot stamped with it is reloaded that often (see ``known``)."""
    if _is_redis():
        try:
            value = guarded("version", lambda: _backend().get(f"ver:{group}"))
        except CacheDown:
            return f"{UNKNOWN}{int(time.time() // UNKNOWN_VERSION_SECONDS)}"
        return str(value or 0)
    try:
        st = os.stat(_version_file(group))
    except FileNotFoundError:
        return "0"
    return f"{st.st_mtime_ns:x}.{st.st_ino:x}.{st.st_size:x}"


def known(value: str) -> bool:
    """Whether a version came from the store (False: Redis was down when it was asked)."""
    return not value.startswith(UNKNOWN)


def bump(group: str) -> None:
    """Invalidate every key of ``group`` (all workers, all machines sharing the Redis). Redis down:
    the bump is remembered and made when Redis answers again."""
    if _is_redis():
        try:
            guarded("bump", lambda: _backend().inc(f"ver:{group}"))
        except CacheDown:
            _outage()["missed"].add(group)
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
    current = version(group)
    if not known(current):
        return build()
    full = f"{group}:{current}:{key}"
    try:
        value = guarded("read", lambda: _backend().get(full))
    except CacheDown:
        return build()
    if value is not None:
        return value
    value = build()
    with contextlib.suppress(CacheDown):
        guarded("write", lambda: _backend().set(full, value, timeout=timeout))
    return value


def claim(name: str, seconds: int) -> bool:
    """True for the first caller in ``seconds`` (every worker and machine sharing the Redis; without
    Redis, this process): a debounce for work that a burst of changes would otherwise start each time.
    Redis down: counted in this process meanwhile (the work is idempotent; once more is safe)."""
    if not has_app_context() or "cache" not in current_app.extensions:
        return True
    seconds = max(1, int(seconds))
    try:
        return bool(guarded("claim", lambda: _backend().add(f"claim:{name}", 1, timeout=seconds)))
    except CacheDown:
        claims, now = _outage()["claims"], time.monotonic()
        if claims.get(name, 0.0) > now:
            return False
        claims[name] = now + seconds
        return True


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


def on_bump(group: str, callback: Callable[[], None]) -> None:
    """Call ``callback()`` after a commit that bumped ``group`` (in the committing app context, the
    transaction over: a callback that must do work starts a job, ``marketplace.jobs.dispatch``).
    Registered once per process (a second registration of the same callable is ignored)."""
    callbacks = _ON_BUMP.setdefault(group, [])
    if callback not in callbacks:
        callbacks.append(callback)


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
    for group in sorted(groups):
        for callback in _ON_BUMP.get(group, ()):
            try:
                callback()
            except Exception:  # the commit stands; what the callback starts has its own sweeper
                log.warning("cache: a callback after bumping %s failed", group, exc_info=True)


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


__all__ = ["cache", "cached", "bump", "bump_after_commit", "claim", "version", "known", "available", "guarded", "watch",
           "on_bump", "init_cache", "clear", "CacheDown"]
