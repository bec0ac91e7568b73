"""The domain registry: each domain declares itself once, here, from its own ``init_app``.

The shell lists the domain packages by name (``marketplace.DOMAINS``) and calls each one's
``init_app(app)``; that function calls :func:`register` with everything the shell needs to know:
its blueprint, the modules that attach routes to it, its model modules (for ``create_all`` and
Alembic), its CLI modules, its demo-data step and its navigation entries. A misspelt domain, a
missing ``init_app`` or a declared module that does not exist stops the app at start, with the
name in the message. Example (catalog/__init__.py)::

    def init_app(app):
        register(app, "catalog", blueprint=bp, routes=("views.public", "views.merchant", "api"),
                 models=("models",), cli=("cli",), seed="catalog.seed:seed_demo_catalog",
                 nav=(NavItem("catalog.categories", _l("全部分类"), order=10),))
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask

#: The menus a NavItem can go to: the header's main menu, the signed-in user's menu, the merchant home.
MENUS = ("main", "user", "merchant")


@dataclass(frozen=True)
class NavItem:
    """A link in one of the menus. ``visible(user)`` decides for the user and merchant menus."""

    endpoint: str
    label: Any
    menu: str = "main"
    order: int = 100
    visible: Callable[[Any], bool] | None = None

    def __post_init__(self):
        if self.menu not in MENUS:
            raise ValueError(f"NavItem {self.endpoint}: menu must be one of {MENUS}, not {self.menu!r}")


@dataclass
class Domain:
    """What one domain contributes to the app (see :func:`register`)."""

    name: str
    package: str
    blueprints: tuple[Blueprint, ...] = ()
    routes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    cli: tuple[str, ...] = ()
    seed: str | None = None
    nav: tuple[NavItem, ...] = field(default_factory=tuple)

    def seed_step(self) -> Callable | None:
        """The demo-data function (imported only when seeding: web workers never load seed code)."""
        if not self.seed:
            return None
        module, _, func = self.seed.partition(":")
        return getattr(importlib.import_module(module), func)


def _import(package: str, module: str, what: str, domain: str):
    name = module if module.startswith(package + ".") or module == package else f"{package}.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise RuntimeError(f"domain {domain!r} declares {what} module {name!r}, which does not exist") from exc
        raise


def registry(app: Flask) -> dict[str, Domain]:
    """The app's domains in registration order."""
    return app.extensions.setdefault("domains", {})


def register(app: Flask, name: str, *, package: str | None = None, blueprint: Blueprint | None = None,
             blueprints: Iterable[Blueprint] = (), routes: Iterable[str] = (), models: Iterable[str] = (),
             cli: Iterable[str] = (), seed: str | None = None, nav: Iterable[NavItem] = ()) -> Domain:
    """Declare a domain: import its models and route modules, register its blueprints and CLI.

    ``routes``, ``models`` and ``cli`` are module names relative to ``package`` (the caller's
    package by default, the domain's name otherwise). A CLI module defines ``register(app)``.
    Registering the same name twice is an error (two domains would shadow each other's routes).
    """
    domains = registry(app)
    if name in domains:
        raise RuntimeError(f"domain {name!r} is registered twice")
    package = package or name
    domain = Domain(name=name, package=package, blueprints=(*(b for b in [blueprint] if b), *blueprints),
                    routes=tuple(routes), models=tuple(models), cli=tuple(cli), seed=seed, nav=tuple(nav))
    for module in domain.models:
        _import(package, module, "model", name)
    for module in domain.routes:
        _import(package, module, "route", name)
    for bp in domain.blueprints:
        app.register_blueprint(bp)
    for module in domain.cli:
        _import(package, module, "CLI", name).register(app)
    if domain.seed:
        module_name, sep, func = domain.seed.partition(":")
        if not sep or not func:
            raise RuntimeError(f"domain {name!r}: seed must be 'module:function', not {domain.seed!r}")
    domains[name] = domain
    return domain


def nav_items(app: Flask, menu: str) -> list[NavItem]:
    """Every domain's entries for ``menu``, ordered, whose endpoint exists."""
    items = [item for domain in registry(app).values() for item in domain.nav if item.menu == menu]
    return sorted((i for i in items if i.endpoint in app.view_functions), key=lambda i: i.order)


@dataclass(frozen=True)
class Panel:
    """A block one domain puts on another domain's page (a dashboard): ``template`` is included
    with ``panel`` in its context (``panel.values``), panels are placed by ``order``."""

    template: str
    values: dict = field(default_factory=dict)
    order: int = 100


def add_blocks(app: Flask, page: str, provider: Callable[..., dict]) -> None:
    """A domain's contribution to another domain's page: ``provider(*args)`` returns template values.

    Pages: "home" (no argument), "shop" (the shop), "product" (the product), the order pages (the
    order). The page's own domain asks with :func:`page_blocks`; it never imports the domains that
    fill it. A page whose template cannot know its blocks' names, "region" (a county, township or
    village: the region), asks with :func:`block_panels` instead: there ``provider(*args)`` returns a
    :class:`Panel`, a list of them, or None (nothing to show), and the page includes each panel's
    template in order.
    """
    providers = app.extensions.setdefault("page_blocks", {}).setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def page_blocks(app: Flask, page: str, *args) -> dict:
    """What every provider of ``page`` returns, merged in registration order (a later one wins)."""
    values: dict = {}
    for provider in app.extensions.get("page_blocks", {}).get(page, []):
        values.update(provider(*args))
    return values


def add_load_options(app: Flask, page: str, *options) -> None:
    """A domain's loader options on the statement that loads another domain's page subject
    ("product": the product page's product, "shop": the shop page's shop), so that what its blocks
    show comes in that statement rather than in one of its own (reviews: a product's or shop's
    totals, a joined row). The subject's domain asks with :func:`load_options` when it builds the
    statement, once per app (marketplace.db.built_once), and never imports the domains that add them."""
    app.extensions.setdefault("load_options", {}).setdefault(page, []).extend(options)


def load_options(app: Flask, page: str) -> tuple:
    return tuple(app.extensions.get("load_options", {}).get(page, ()))


def block_panels(app: Flask, page: str, *args) -> list[Panel]:
    """The panels every :func:`add_blocks` provider of ``page`` returns (a Panel, a list, or None),
    sorted by their ``order`` (registration order on ties)."""
    panels: list[Panel] = []
    for provider in app.extensions.get("page_blocks", {}).get(page, []):
        found = provider(*args)
        if isinstance(found, Panel):
            panels.append(found)
        elif found:
            panels.extend(found)
    return sorted(panels, key=lambda panel: panel.order)


def add_panel(app: Flask, page: str, provider: Callable[..., Iterable]) -> None:
    """A domain's panels on another domain's page: ``provider(*args)`` returns an iterable of items
    with an ``order`` (``Panel``s, or what the page asks for: the merchant dashboard's actions).

    Pages: "merchant_actions" (the shop: marketplace.figures.Action items), "merchant_dashboard"
    (the shop and a marketplace.figures.Window), "admin_dashboard" (the Window). Unlike
    :func:`add_blocks`, whose values are merged into one dict, every provider's items are kept,
    in order; the page's own domain asks with :func:`page_panels` and never imports the others.
    """
    providers = app.extensions.setdefault("page_panels", {}).setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def page_panels(app: Flask, page: str, *args) -> list:
    """Every provider's items for ``page``, sorted by their ``order`` (registration order on ties)."""
    items = [item for provider in app.extensions.get("page_panels", {}).get(page, []) for item in provider(*args)]
    return sorted(items, key=lambda item: item.order)


def seed_steps(app: Flask) -> list[tuple[str, Callable]]:
    """(domain name, function) of every domain with demo data, in registration order."""
    steps = []
    for domain in registry(app).values():
        step = domain.seed_step()
        if step is not None:
            steps.append((domain.name, step))
    return steps


def when_installed(app: Flask, callback: Callable[[], None]) -> None:
    """Run ``callback()`` once every domain of ``marketplace.DOMAINS`` is installed (e.g. a domain that
    works on what later domains register, such as search warming the indexes they declare)."""
    app.extensions.setdefault("domains_installed", []).append(callback)


def before_fork(app: Flask, callback: Callable[[], None]) -> None:
    """Have ``callback()`` build, in gunicorn's preloading master, what every worker would otherwise
    build alike on its first requests (read-only tables, compiled templates): built once before the
    fork, its pages are shared by the workers instead of copied into each (gunicorn.conf.py,
    ``when_ready``). Run in an app context; a failing callback is logged and skipped."""
    app.extensions.setdefault("before_fork", []).append(callback)


def warm_before_fork(app: Flask) -> None:
    """Run the ``before_fork`` callbacks (gunicorn's master, once, before the first fork)."""
    with app.app_context():
        for callback in app.extensions.get("before_fork", []):
            try:
                callback()
            except Exception:  # a worker builds it itself on first use: never stop the server for this
                app.logger.warning("before_fork: %s failed", getattr(callback, "__qualname__", callback),
                                   exc_info=True)


def install(app: Flask, names: Iterable[str]) -> None:
    """Import each named domain package and call its ``init_app``; fail loudly on any mistake.
    Then run the ``when_installed`` callbacks."""
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                raise RuntimeError(f"unknown domain {name!r} in marketplace.DOMAINS") from exc
            raise
        init = getattr(module, "init_app", None)
        if init is None:
            raise RuntimeError(f"domain package {name!r} has no init_app(app)")
        init(app)
    for callback in app.extensions.pop("domains_installed", []):
        callback()
