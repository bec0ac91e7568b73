"""gunicorn settings for production (see docs/deploy.md).

    DATABASE_URL=postgresql://... REDIS_URL=redis://... SECRET_KEY=... MARKETPLACE_ENV=production \\
        gunicorn -c gunicorn.conf.py 'marketplace:create_app()'

Every value can be changed from the environment without editing this file.

preload_app (on by default, GUNICORN_PRELOAD=0 turns it off): the master imports the code and
builds the app once — jieba's dictionary (~1 s and tens of MB) is loaded once and shared by the
workers copy-on-write, and a broken configuration stops the master instead of looping workers.
It is safe here because create_app() opens no database connection, no search index and no Redis
connection; and to keep it safe should that change, ``post_fork`` drops anything inherited from
the master: SQLAlchemy's pools (dispose(close=False): the parent's sockets are left to the parent),
the search adapter's open index handles and per-segment caches with their locks (the master's
search warm-up thread may be mid-way at the fork; each worker then warms its own caches); each
worker opens its own readers, and writes go through the single-writer path in
search.whoosh.writer, whose Whoosh file lock works across processes. redis-py's pools notice a
fork by themselves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
#: WEB_CONCURRENCY (the Heroku / buildpack convention) overrides 2 x cores + 1.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
#: Threads per worker (>1 switches to the gthread worker: requests waiting on PostgreSQL overlap).
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no")
if preload_app:
    # The master only forks: it must not open the search index or build the search caches (each
    # worker warms its own in post_fork). What the master holds at the fork is resident in every
    # worker too (RSS counts inherited pages), and a worker freeing it copies the pages it touches.
    os.environ.setdefault("MARKETPLACE_SEARCH_WARM_UP", "0")

# A request that runs longer than this is killed (the worker is replaced); a slow page should be
# fixed, not waited for. graceful_timeout: finishing requests on restart/HUP.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak can never grow a worker past its memory budget.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Heartbeat files in memory, not on a possibly slow disk (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn docs)
# Only the local reverse proxy may set X-Forwarded-* (the app's TRUSTED_PROXIES decides the rest).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs: errors to stderr. The app itself writes one JSON line per request (marketplace.logs: with
# the request id, the path without its query string and with secret route arguments masked), so
# gunicorn's own access log is off unless GUNICORN_ACCESSLOG is set ("-" = stdout). Its format
# carries the same request id (the X-Request-ID response header), no query string, no client
# address, no headers or cookies; note it cannot mask tokens inside paths (/invites/<token>).
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
access_log_format = ('{"ts":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":"%(B)s",'
                     '"duration_ms":%(M)s,"request_id":"%({x-request-id}o)s","logger":"gunicorn.access"}')
proc_name = "marketplace"


def when_ready(server):
    """In the preloading master, once: build what every worker would build alike on its first
    requests (marketplace.domains.before_fork: compiled templates, locale data, search tables), so
    that the workers share it instead of each holding a copy."""
    if server.cfg.preload_app:
        from marketplace.domains import warm_before_fork

        warm_before_fork(server.app.wsgi())


def pre_fork(server, worker):
    """Freeze the preloaded objects before forking (gc.freeze: see the note below)."""
    if server.cfg.preload_app:
        # What the master loaded (code, jieba's dictionary, the app) lives as long as the worker:
        # moved to the collector's permanent generation, its objects are never traversed by a
        # worker's collections, which would otherwise touch (and so copy) their pages. This keeps
        # them shared (PSS/USS); RSS counts shared pages in every worker all the same.
        gc.freeze()


def post_fork(server, worker):
    """Drop connections and index handles inherited from the master (see the module docstring)."""
    try:
        from marketplace.extensions import db

        for engines in list(db._app_engines.values()):
            for engine in engines.values():
                engine.dispose(close=False)
    except Exception:  # nothing inherited when the app is not preloaded
        server.log.debug("post_fork: no engines to reset")
    try:
        import threading

        app = worker.app.wsgi() if server.cfg.preload_app else None
        backend = app.extensions.get("search") if app is not None else None
        if backend is not None:
            backend.after_fork()
            if app.config.get("SEARCH_WARM_UP", True):
                threading.Thread(target=backend.warm_up, name="search-warm-up", daemon=True).start()
    except Exception:  # the search domain may be absent or changed: never stop a worker for this
        server.log.warning("post_fork: could not reset the search caches", exc_info=True)
