"""Whole-page cache for anonymous visitors of the public catalogue pages.

Rendering a catalogue page (24-50 product cards, prices, links) costs 10-25 ms of CPU; most of a
city marketplace's traffic is anonymous visitors reading the same pages. A view decorated with
``@cached_page("catalog")`` is served from the cache to a visitor who is not signed in and has no
pending flash message; everyone else gets the page rendered as before.

What is cached is the HTML with a placeholder where each CSRF token goes (the header's language
switch, the product page's "add to cart" form). On every response, hit or miss, the placeholder is
replaced by the visitor's own token (Flask-WTF's ``generate_csrf``, which stores it in the
visitor's session), so one cached page serves every visitor and every form on it still works.
The only per-visitor parts of these pages are that token and the signed-in header, which is why
signed-in users are never served from here.

Keys: locale, path with query string, and the versions of the groups the page depends on
(``marketplace.cache``: a commit that changes a watched model bumps its group), so a product
edited, hidden or re-priced is shown at once. Stock sold at checkout does not bump the catalogue
(it would empty the cache at the order rate) unless a variant sells out or comes back from zero
(catalog.services.stock): a product page may show a stock figure up to ``PAGE_CACHE_SECONDS`` old to
anonymous visitors, never an "add to cart" for a sold-out variant; the cart and checkout always
check the database. The store is Redis when REDIS_URL is set (shared by every worker) and otherwise a small
in-process cache per worker bounded by ``PAGE_CACHE_ENTRIES``.

``PAGE_CACHE_SECONDS`` = 0 turns the cache off (the development server and the test suite do, so a
template edit shows at once; ``MARKETPLACE_PAGE_CACHE_SECONDS`` sets it).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
from collections.abc import Callable

from cachelib import SimpleCache
from flask import Flask, current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from marketplace.cache import CacheDown, guarded, known, version
from marketplace.cache import cache as shared_cache
from marketplace.errors import as_visitor_without_database, database_unavailable

log = logging.getLogger(__name__)

_CAPTURE = "_page_cache_capture"


def placeholder() -> bytes:
    """Stable across workers and machines (the Redis store is shared), unguessable from outside."""
    return current_app.extensions["marketplace_page_cache"]["placeholder"]


def csrf_token_or_placeholder() -> str:
    """The templates' ``csrf_token()``: the placeholder while a cacheable page is rendered."""
    if g.get(_CAPTURE):
        return placeholder().decode()
    return generate_csrf()


def with_token(body: bytes) -> bytes:
    """``body`` with every placeholder replaced by this visitor's own CSRF token."""
    return body.replace(placeholder(), generate_csrf().encode())


def _store():
    ext = current_app.extensions["marketplace_page_cache"]
    return shared_cache.cache if ext["shared"] else ext["local"]


def _eligible() -> bool:
    if request.method not in ("GET", "HEAD") or not current_app.config.get("PAGE_CACHE_SECONDS"):
        return False
    if getattr(current_user, "is_authenticated", False):
        return False
    return "_flashes" not in session


def _key(groups: tuple[str, ...]) -> str:
    from marketplace.i18n import current_locale_code

    versions = [version(group) for group in groups]
    if not all(known(v) for v in versions):
        raise CacheDown("page versions")  # Redis down: a key would match nothing; render
    versions = ".".join(versions)
    # The path can be long and hostile: the key holds its hash (the store never sees raw input).
    where = hashlib.sha1(request.full_path.encode("utf-8", "surrogateescape")).hexdigest()  # noqa: S324 (not security)
    return f"page:{current_locale_code()}:{versions}:{request.endpoint}:{where}"


def lookup(groups: tuple[str, ...], prefix: str = "") -> tuple[str | None, object | None]:
    """(this request's key under ``groups``, what the store keeps there or None). The key is None when
    the store cannot be used now (Redis down, or it answered badly): render as if nothing were kept,
    and keep nothing. Used by ``cached_page`` and by marketplace.kept_blocks (``prefix`` "blocks:")."""
    try:
        key = prefix + _key(groups)
        return key, guarded("page read", lambda: _store().get(key))
    except CacheDown:  # Redis unreachable: noted once by marketplace.cache
        return None, None
    except Exception:  # the store answered badly
        log.warning("page cache: read failed", exc_info=True)
        return None, None


def keep(key: str, value) -> None:
    """Keep ``value`` under ``key`` for PAGE_CACHE_SECONDS; a store that fails is only logged."""
    try:
        guarded("page write", lambda: _store().set(key, value, timeout=current_app.config["PAGE_CACHE_SECONDS"]))
    except CacheDown:  # Redis down: noted once by marketplace.cache
        pass
    except Exception:
        log.warning("page cache: write failed", exc_info=True)


@contextlib.contextmanager
def rendering_for_store():
    """Within it, templates write the CSRF placeholder (``with_token`` fills in the reader's)."""
    g.setdefault(_CAPTURE, True)
    try:
        yield
    finally:
        g.pop(_CAPTURE, None)


def cached_page(*groups: str) -> Callable:
    """Serve the decorated GET view from the page cache to anonymous visitors (see the module doc)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            outage = None
            try:
                eligible = _eligible()
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                # The signed-in user cannot be loaded (the database is down): a cached page is
                # still served, as to a visitor; without one the outage is answered (503).
                eligible, outage = True, exc
                as_visitor_without_database()
            if not eligible:
                return view(*args, **kwargs)
            key, body = lookup(groups)
            if body is None and outage is not None:
                raise outage
            if key is None:  # the store cannot be used now: render uncached
                return view(*args, **kwargs)
            if body is not None:
                response = make_response(with_token(body))
                response.mimetype = "text/html"
                response.headers["X-Page-Cache"] = "hit"
                return response
            with rendering_for_store():
                response = make_response(view(*args, **kwargs))
            if response.mimetype != "text/html" or response.direct_passthrough:
                return response
            body = response.get_data()
            # not kept (a redirect, a form with errors, a photo whose sizes are being made), but filled in
            if response.status_code != 200 or request.environ.get("marketplace.media_fallback"):
                if placeholder() in body:
                    response.set_data(with_token(body))
                return response
            keep(key, body)
            response.set_data(with_token(body))
            response.headers["X-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorator


def init_page_cache(app: Flask) -> None:
    """Install the placeholder-aware ``csrf_token()`` and choose the store."""
    secret = str(app.config["SECRET_KEY"]).encode()
    app.extensions["marketplace_page_cache"] = {
        "placeholder": b"csrf-" + hashlib.sha256(b"page-cache-placeholder:" + secret).hexdigest()[:24].encode(),
        "shared": app.extensions.get("marketplace_cache", {}).get("type") == "RedisCache",
        # every set() passes PAGE_CACHE_SECONDS, read at the time (tests change it on a live app)
        "local": SimpleCache(threshold=int(app.config.get("PAGE_CACHE_ENTRIES", 300))),
    }
    # Flask-WTF puts generate_csrf in both places: the globals (macros imported without context
    # see those) and a context processor (later processors win).
    app.jinja_env.globals["csrf_token"] = csrf_token_or_placeholder
    app.context_processor(lambda: {"csrf_token": csrf_token_or_placeholder})


__all__ = ["cached_page", "init_page_cache", "csrf_token_or_placeholder", "placeholder", "keep", "lookup",
           "rendering_for_store", "with_token"]
