"""Catalogue fixtures: the category tree and a product factory."""

from __future__ import annotations

import itertools

import pytest

from tests.catalog.catalog_helpers import variant_row

_n = itertools.count(1)


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
def make_product(db, categories, shop, owner):
    from catalog.categories import find_category
    from catalog.models import ProductStatus
    from catalog.services import create_product

    def make(title=None, variants=None, status=ProductStatus.PUBLISHED, the_shop=None, category="农产品/水果",
             **fields):
        n = next(_n)
        s = the_shop or shop
        data = {"title": f"测试商品{n}" if title is None else title, "category": find_category(category), "code": f"T{n:05d}", **fields}
        return create_product(s, s.members[0].user, data, variants or [variant_row()], status=status)

    return make
