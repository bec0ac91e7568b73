"""The domain registry: every domain declared once, a mistake stops the app at start."""

from __future__ import annotations

import sys
import textwrap

import pytest
from flask import Blueprint, Flask

import marketplace
from marketplace import create_app
from marketplace.domains import NavItem, nav_items, register, registry, seed_steps


def test_every_domain_is_registered_in_order(app):
    assert list(registry(app)) == ["core", "health", "regions", "accounts", "shops", "jobs", "media", "mail",
                                   "notifications",
                                   "admin", "privacy", "messages", "search", "catalog", "orders", "payments",
                                   "aftersales", "reviews", "licences", "trace", "sourcing", "prices", "investment"]
    assert [name for name, _step in seed_steps(app)] == ["regions", "accounts", "shops", "messages", "catalog",
                                                         "orders", "payments", "aftersales", "reviews", "licences",
                                                         "trace", "sourcing", "prices", "investment"]


def test_models_of_every_domain_are_in_the_metadata(app, db):
    tables = set(db.metadata.tables)
    for table in ("users", "regions", "shops", "outbox_messages", "audit_log", "privacy_consents", "products",
                  "orders", "payments", "invest_projects", "search_queue"):
        assert table in tables


def test_a_misspelt_domain_stops_the_app(app_config, monkeypatch):
    monkeypatch.setattr(marketplace, "DOMAINS", (*marketplace.DOMAINS, "catalgo"))
    with pytest.raises(RuntimeError, match="unknown domain 'catalgo'"):
        create_app(app_config)


def test_a_domain_without_init_app_stops_the_app(app_config, monkeypatch, tmp_path):
    (tmp_path / "halfdomain").mkdir()
    (tmp_path / "halfdomain" / "__init__.py").write_text('"""A package that forgot init_app."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(marketplace, "DOMAINS", (*marketplace.DOMAINS, "halfdomain"))
    try:
        with pytest.raises(RuntimeError, match="'halfdomain' has no init_app"):
            create_app(app_config)
    finally:
        sys.modules.pop("halfdomain", None)


def test_a_broken_import_inside_a_domain_is_not_hidden(app_config, monkeypatch, tmp_path):
    (tmp_path / "brokendomain").mkdir()
    (tmp_path / "brokendomain" / "__init__.py").write_text("import no_such_library_here\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(marketplace, "DOMAINS", (*marketplace.DOMAINS, "brokendomain"))
    try:
        with pytest.raises(ModuleNotFoundError, match="no_such_library_here"):
            create_app(app_config)
    finally:
        sys.modules.pop("brokendomain", None)


def test_a_declared_module_that_does_not_exist_stops_registration(tmp_path, monkeypatch):
    (tmp_path / "tinydomain").mkdir()
    (tmp_path / "tinydomain" / "__init__.py").write_text(textwrap.dedent('''
        from flask import Blueprint
        bp = Blueprint("tiny", __name__)
    '''))
    (tmp_path / "tinydomain" / "views.py").write_text(textwrap.dedent('''
        from tinydomain import bp

        @bp.get("/tiny")
        def tiny():
            return "tiny"
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        import tinydomain

        app = Flask("probe")
        with pytest.raises(RuntimeError, match="route module 'tinydomain.view'"):
            register(app, "tiny", package="tinydomain", blueprint=tinydomain.bp, routes=("view",))
        app = Flask("probe")
        register(app, "tiny", package="tinydomain", blueprint=tinydomain.bp, routes=("views",))
        assert "tiny.tiny" in app.view_functions
        with pytest.raises(RuntimeError, match="registered twice"):
            register(app, "tiny", blueprint=Blueprint("tiny2", __name__))
        with pytest.raises(RuntimeError, match="module:function"):
            register(Flask("probe"), "other", seed="tinydomain.seed_without_colon")
    finally:
        for name in ("tinydomain", "tinydomain.views"):
            sys.modules.pop(name, None)


def test_nav_item_refuses_an_unknown_menu():
    with pytest.raises(ValueError, match="menu must be one of"):
        NavItem("catalog.categories", "x", menu="footer")


def test_navigation_comes_from_the_domains(app, client, make_user, login):
    assert [i.endpoint for i in nav_items(app, "main")] == [
        "catalog.categories", "shops.directory", "investment.library", "regions.index", "sourcing.board",
        "prices.board", "orders.cart"]
    assert [i.endpoint for i in nav_items(app, "merchant")] == [
        "catalog.merchant_products", "catalog.merchant_import", "orders.merchant_orders",
        "messages.shop_inbox", "orders.merchant_delivery", "orders.merchant_terms", "trace.merchant_batches",
        "reviews.merchant_reviews",
        "aftersales.merchant_list", "sourcing.merchant_requests", "sourcing.supply_list", "licences.merchant_list",
        "payments.merchant_balance",
        "payments.merchant_credit", "payments.merchant_settings"]
    page = client.get("/").get_data(as_text=True)
    assert 'href="/shops"' in page or "/shops" in page
    assert "/admin" not in page  # a visitor has no user menu
    admin = make_user(roles=("admin",))
    login(admin)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in page or 'href="/admin"' in page
    assert "/invest/office" in page


def test_before_fork_builds_what_every_worker_shares_and_skips_a_failing_step(app, caplog):
    """gunicorn's preloading master runs the before_fork steps once (gunicorn.conf.py ``when_ready``):
    every template compiled, the search's pinyin table built; a step that fails is logged and the
    others still run."""
    from marketplace.domains import before_fork, warm_before_fork
    from search.analysis import vocabulary

    vocabulary._char_table.cache_clear()
    app.jinja_env.cache.clear()
    ran = []

    def broken():
        raise RuntimeError("boom")

    before_fork(app, broken)
    before_fork(app, lambda: ran.append(True))
    warm_before_fork(app)
    assert ran == [True]
    assert "before_fork" in caplog.text and "broken" in caplog.text
    compiled = {name for (_loader, name) in app.jinja_env.cache}
    assert set(app.jinja_env.list_templates()) <= compiled
    assert vocabulary._char_table.cache_info().currsize == 1 and vocabulary._char_table()["苹"][0] == "ping"
