"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import datetime
from functools import lru_cache

from flask import Flask, current_app, request
from flask_babel import format_datetime

from marketplace import money
from marketplace.i18n import current_locale_code
from marketplace.media.pending import resolve
from marketplace.web import absolute_url


@lru_cache(maxsize=8192)
def _formatted(cents: int, currency: str, locale: str) -> str:
    # Babel's format_currency costs ~0.25 ms; a home page shows ~50 prices (13 ms per page).
    return money.format_cents(cents, currency, locale)


def money_filter(cents: int | None) -> str:
    if cents is None:
        return ""
    return _formatted(int(cents), current_app.config["CURRENCY"], current_locale_code())


def media_url(key: str | None) -> str | None:
    """URL of a public media key (``public/...``): the app's /media/ route, or the bucket's (or its
    CDN's) public address when MEDIA_PUBLIC_BASE_URL is set. Private keys have no URL. A size that
    is still being made links the original (marketplace.media.pending), never a broken image."""
    if not key:
        return None
    if not key.startswith("public/"):
        return None
    key = resolve(key)
    base = current_app.config.get("MEDIA_PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/{key}" if base else "/media/" + key


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["money"] = money_filter
    app.jinja_env.filters["datetime"] = lambda v, fmt="medium": format_datetime(v, fmt) if v else ""
    app.jinja_env.globals["absolute_url"] = absolute_url  # links printed on a page: canonical, not the Host's
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    init_nav(app)
    from marketplace.domains import before_fork

    before_fork(app, lambda: _compile_and_load_locales(app))

    @app.context_processor
    def _globals():
        return {
            "site_name": current_app.config["SITE_NAME"],
            "locale_code": current_locale_code(),
            "languages": current_app.config["LANGUAGES"],
            "media_url": media_url,
            "request_path": request.full_path.rstrip("?") if request else "/",
        }


def _nav(app: Flask):
    """The menus every domain declared (marketplace.domains), for the signed-in user or a visitor."""
    from flask_login import current_user

    from marketplace.domains import nav_items

    def has(endpoint: str) -> bool:
        return endpoint in app.view_functions

    main = [(item.endpoint, item.label) for item in nav_items(app, "main")]
    user = []
    if getattr(current_user, "is_authenticated", False):
        user = [(item.endpoint, item.label) for item in nav_items(app, "user")
                if item.visible is None or item.visible(current_user)]
    return {"main_nav": main, "user_nav": user, "has_endpoint": has}


def init_nav(app: Flask) -> None:
    app.context_processor(lambda: _nav(app))


def _compile_and_load_locales(app: Flask) -> None:
    """Every template compiled and each language's translations and locale data loaded (the first
    requests of every worker did it before: ~6 MB and 0.2 s each)."""
    from flask_babel import force_locale, get_translations

    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    with app.test_request_context("/"):
        for code in app.config["LANGUAGES"]:
            with force_locale(code):
                get_translations()
                format_datetime(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
                money_filter(1)
