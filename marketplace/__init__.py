"""The local marketplace: application factory."""

from __future__ import annotations

import logging

import sqlalchemy.orm as sa_orm
from flask import Flask

from marketplace.config import ROOT, load_config

#: The domain packages, in dependency order (marketplace <- messages <- search <- catalog <- orders <- payments <- aftersales, reviews, sourcing). Each
#: declares its blueprint, routes, models, CLI, demo data and navigation from its own init_app
#: (see marketplace.domains); a name here that does not exist stops the app at start.
DOMAINS: tuple[str, ...] = (
    "marketplace.core",
    "marketplace.health",
    "marketplace.regions",
    "marketplace.accounts",
    "marketplace.shops",
    "marketplace.jobs",
    "marketplace.media",
    "marketplace.mail",
    "marketplace.notifications",
    "marketplace.admin",
    "marketplace.privacy",
    "messages",
    "search",
    "catalog",
    "orders",
    "payments",
    "aftersales",
    "reviews",
    "licences",
    "trace",
    "sourcing",
    "prices",
    "investment",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides settings from the environment (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path, config))
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx or a load balancer: take the client's address from X-Forwarded-For, so
        # rate limits count per visitor and not per proxy. Only as many hops as are trusted.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    logging.basicConfig(level=logging.INFO)

    from marketplace import extensions as ext
    from marketplace.cache import init_cache
    from marketplace.db import include_object
    from marketplace.logs import init_logging
    from marketplace.page_cache import init_page_cache

    init_logging(app)  # first: every later hook's log lines carry the request id

    from marketplace.input import init_input

    init_input(app)  # before every hook that reads input: NUL and control characters never get past it

    ext.init_db(app)
    ext.migrate.init_app(app, ext.db, directory=str(ROOT / "migrations"), render_as_batch=True,
                         include_object=include_object)
    ext.csrf.init_app(app)
    # Flask-Limiter keeps the first app's key prefix and "the storage is down, use memory" on the shared
    # instance, not per app: each new app takes its own prefix and starts by trying its own storage
    # (tests make many apps; a process makes one).
    ext.limiter._key_prefix = ""  # noqa: SLF001
    ext.limiter.init_app(app)
    ext.limiter._storage_dead = False  # noqa: SLF001
    ext.login_manager.init_app(app)
    init_cache(app)
    init_page_cache(app)  # after csrf.init_app: it replaces the templates' csrf_token()
    from marketplace.kept_blocks import init_kept_blocks

    init_kept_blocks(app)  # a listing's blocks kept for signed-in readers

    from marketplace.i18n import install_translations, select_locale

    ext.babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config[
        "BABEL_DEFAULT_TIMEZONE"])
    install_translations(app, ext.babel)

    from marketplace import accounts, errors, i18n, security, templating

    accounts.init_login(app)
    security.init_security(app)
    errors.init_errors(app)
    templating.init_templating(app)
    app.register_blueprint(i18n.bp)

    from marketplace.api import api_bp
    from marketplace.domains import install

    install(app, DOMAINS)
    app.register_blueprint(api_bp)

    from marketplace.cli import register_cli

    register_cli(app)
    # Every domain's models are imported by now: configure the mappers here, once, rather than in the
    # first query of each process (0.4 s and ~30 MB of objects; built in gunicorn's preloading master,
    # they are shared by the workers instead of copied into each).
    sa_orm.configure_mappers()
    return app
