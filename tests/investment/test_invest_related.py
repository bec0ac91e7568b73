"""A project's page lists local producers and products of its county and sector (from the catalogue)."""

from __future__ import annotations

import pytest

from marketplace.shops.models import ShopStatus
from tests.catalog.catalog_helpers import variant_row


@pytest.fixture
def product_in(make_product):
    def make(shop, title, category="农产品/干货调料"):
        return make_product(shop, title=title, category=category, variants=[variant_row()])

    return make


def test_related_producers_and_products(client, make_project, make_shop, product_in):
    zhecheng = make_shop(name="柘城辣椒合作社", county="柘城县")
    yongcheng = make_shop(name="永城面粉厂", county="永城市")
    pending = make_shop(name="柘城待审核小店", county="柘城县", status=ShopStatus.PENDING)
    product_in(zhecheng, "柘城三樱椒干辣椒")
    product_in(yongcheng, "永城特一粉")
    product_in(zhecheng, "柘城金刚石锯片", category="工业品/五金工具")  # another sector
    project = make_project(sector="agri-processing", county="柘城县")
    body = client.get(f"/invest/projects/{project.id}").get_data(as_text=True)
    assert "本地相关企业和产品" in body
    assert "柘城三樱椒干辣椒" in body and "柘城辣椒合作社" in body
    assert "永城特一粉" not in body and "永城面粉厂" not in body
    assert "柘城金刚石锯片" not in body
    assert pending.name not in body
    assert f'href="/shops/{zhecheng.slug}"' in body


def test_page_without_related_producers(client, make_project):
    project = make_project(sector="biomedicine", county="睢县")
    body = client.get(f"/invest/projects/{project.id}").get_data(as_text=True)
    assert "本地相关企业和产品" not in body
