"""Catalogue fixtures: the category tree, a shop, and the suite's product factory with catalogue defaults."""

from __future__ import annotations

import pytest

from tests.catalog.catalog_helpers import variant_row


@pytest.fixture
def categories(app):
    from catalog.categories import load_categories

    load_categories()
    return app


@pytest.fixture
def category(categories, db):
    from catalog.categories import find_category

    return find_category("农产品/水果")


@pytest.fixture
def shop(make_shop):
    return make_shop(name="柘城辣椒合作社")


@pytest.fixture
def owner(shop):
    return shop.members[0].user


@pytest.fixture
def make_product(make_product, categories, shop):
    """The suite's factory with the catalogue's defaults: this module's shop, a fruit, ``variant_row()``."""
    from catalog.models import ProductStatus

    def make(title=None, variants=None, status=ProductStatus.PUBLISHED, the_shop=None, category="农产品/水果",
             **fields):
        return make_product(the_shop or shop, title=title, variants=variants or [variant_row()], status=status,
                            category=category, **fields)

    return make
