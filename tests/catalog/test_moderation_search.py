"""A product the admin hides leaves search at once, on every search backend (the index follows the
status move), the search page and the API included; restored, it is found again."""

from __future__ import annotations

import pytest

from catalog.services import moderation as mod
from tests.catalog import search_fixtures
from tests.catalog.search_fixtures import search_ids

add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops
app_config = search_fixtures.app_config


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


def test_hidden_product_is_not_found_until_restored(db, client, catalogue, admin):
    apple = catalogue["apple"]
    assert apple.id in search_ids("苹果") and apple.id in search_ids("pingguo")
    mod.hide_product(apple, admin, "假冒产地")
    assert apple.id not in search_ids("苹果") and apple.id not in search_ids("pingguo")
    assert apple.id not in search_ids(filters={"category_path": "农产品/水果"})
    assert "烟台红富士" not in client.get("/search?q=苹果").get_data(as_text=True)
    api = client.get("/api/v1/products?q=苹果").get_json()
    assert apple.id not in [item["id"] for item in api["items"]]
    assert catalogue["gala"].id in search_ids("苹果")  # the others stay
    mod.restore_product(db.session.get(type(apple), apple.id), admin, "产地证明已核实")
    assert apple.id in search_ids("苹果")


def test_pending_product_is_not_found_until_approved(db, categories, shops, add_product, admin):
    from catalog.categories import find_category, set_category_approval
    from catalog.models import ProductStatus

    set_category_approval(find_category("农产品/水果"), admin, True)
    pear = add_product("砀山酥梨 新果")
    assert pear.status == ProductStatus.PENDING and pear.id not in search_ids("酥梨")
    mod.approve_product(pear, admin)
    assert pear.id in search_ids("酥梨")
