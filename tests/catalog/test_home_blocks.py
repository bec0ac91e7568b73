"""The home page's blocks chosen ahead of time (catalog.home_cache): the job ``catalog.refresh_home``
chooses after catalogue changes (debounced) and stores the choice in home_blocks; a request reads it
and re-reads the products by id, so its statements do not grow with the catalogue and a product
hidden, deleted or sold out is gone at once, before the job runs again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.catalog import search_fixtures
from tests.catalog.catalog_helpers import png_bytes
from tests.marketplace.perf_helpers import bulk_catalogue, count_statements

add_product, shops = search_fixtures.add_product, search_fixtures.shops


def _home_statements(db, client) -> int:
    assert client.get("/").status_code == 200  # warm: templates, the tree, the stored choice
    db.session.remove()
    with count_statements(db.engine) as seen:
        response = client.get("/")
    assert response.status_code == 200
    return len(seen)


def _featured_html(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return html.split('id="home-featured-h"')[1].split("</section>")[0] if 'id="home-featured-h"' in html else ""


def _with_photo(add, title, **fields):
    from catalog.images import add_image

    product = add(title, **fields)
    add_image(product, png_bytes())
    return product


def test_home_costs_the_same_few_statements_at_two_sizes_and_makes_no_choice(app, db, client, make_shop,
                                                                              monkeypatch):
    from catalog import queries
    from catalog.categories import load_categories

    load_categories()
    from marketplace.shops.models import Shop

    the_shops = [make_shop(county=name) for name in ("柘城县", "宁陵县", "永城市")]
    shop_ids = [s.id for s in the_shops]
    bulk_catalogue(db, the_shops, 2)
    small = _home_statements(db, client)
    bulk_catalogue(db, [db.session.get(Shop, i) for i in shop_ids], 60)
    html = client.get("/").get_data(as_text=True)
    assert "宁陵酥梨" in html.split('id="home-featured-h"')[1]  # the job chose again after the insert
    calls = []
    monkeypatch.setattr(queries, "newest_by_county", lambda *a, **k: calls.append(1) or {})
    monkeypatch.setattr(queries, "featured", lambda *a, **k: calls.append(1) or [])
    large = _home_statements(db, client)
    # the stored choice, the cards (featured and tiles) and the newest shops are kept under the
    # catalogue's version: a signed-out view reads nothing (2 statements before: the cards, the shops)
    assert small == large == 0, (small, large)
    assert calls == []  # a request never chooses


@pytest.mark.parametrize("how", ["hide", "delete", "sell_out", "suspend_shop"])
def test_an_unavailable_product_leaves_home_at_once_before_the_job_runs(app, db, client, add_product, shops, how,
                                                                        monkeypatch):
    from catalog import home_cache
    from catalog.models import Product
    from catalog.services import products as product_services
    from catalog.services.stock import set_stock
    from marketplace.shops.models import ShopStatus

    # other shops than the one that goes (featured shows at most two of a shop, and its suspension)
    older = [_with_photo(add_product, f"柘城三樱椒 {n} 号", category="农产品/干货调料", shop=shop)
             for n, shop in enumerate(("farm", "ent", "farm"))]
    gone = _with_photo(add_product, "将要下架的朝天椒", category="农产品/干货调料")
    html = client.get("/").get_data(as_text=True)
    assert html.count("将要下架的朝天椒") == 2  # featured, and the 柘城县 tile
    # from here the job does not run (a burst: the debounce window is long): the page alone must
    # leave the product out
    app.config["HOME_REFRESH_SECONDS"] = 3600
    runs = []
    monkeypatch.setattr(home_cache, "choose", lambda: runs.append(1) or pytest.fail("the job ran"))
    assert home_cache.claim("home-refresh", 3600)
    item = db.session.get(Product, gone.id)
    owner = item.shop.members[0].user
    if how == "hide":
        product_services.hide(item, owner)
        db.session.commit()
    elif how == "delete":
        product_services.soft_delete(item, owner)
    elif how == "sell_out":
        set_stock(item.variants[0], 0, "sold", owner)
    else:
        item.shop.status = ShopStatus.SUSPENDED
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    if how == "sell_out":  # out of the featured block; the tile keeps it after the ones in stock
        assert "将要下架的朝天椒" not in _featured_html(client)
        assert all(p.title in _featured_html(client) for p in older)
    else:
        assert "将要下架的朝天椒" not in html
        assert all(p.title in html for p in older)
    assert runs == []


def test_a_burst_of_changes_chooses_once_and_the_next_view_after_the_window_catches_up(app, db, client, add_product,
                                                                                       shops, monkeypatch):
    from catalog import home_cache

    _with_photo(add_product, "柘城三樱椒 头批", category="农产品/干货调料")
    app.config["HOME_REFRESH_SECONDS"] = 3600
    chosen = []
    real = home_cache.choose
    monkeypatch.setattr(home_cache, "choose", lambda: chosen.append(1) or real())
    for n in range(5):
        _with_photo(add_product, f"新到朝天椒 {n}", category="农产品/干货调料")
    assert len(chosen) == 1  # the first change started the job; the rest fell inside the window
    html = client.get("/").get_data(as_text=True)
    assert "新到朝天椒 0" in html and "新到朝天椒 4" not in html  # the choice of the first change, still served
    assert len(chosen) == 1
    app.config["HOME_REFRESH_SECONDS"] = 0  # the window is over: the next view starts the job
    client.get("/")
    assert len(chosen) == 2
    html = client.get("/").get_data(as_text=True)
    assert "新到朝天椒 4" in html
    from marketplace.jobs import run_job

    assert run_job(home_cache.JOB) == "fresh" and len(chosen) == 2  # the periodic run: nothing changed


def test_a_fresh_install_is_served_a_choice_and_the_job_stores_one(app, db, client, add_product, shops):
    from catalog.models import HomeBlock
    from marketplace.cache import bump

    _with_photo(add_product, "柘城三樱椒 新装", category="农产品/干货调料")
    with db.engine.begin() as conn:  # as after the migration: no row yet
        conn.execute(sa.delete(HomeBlock))
    bump("home")
    html = client.get("/").get_data(as_text=True)
    assert html.count("柘城三樱椒 新装") == 2
    keys = set(db.session.scalars(sa.select(HomeBlock.key)))
    assert "featured" in keys and "county:411424" in keys  # the job ran when the request ended
