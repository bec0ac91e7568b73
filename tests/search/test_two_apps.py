"""Two app processes, each with its own data folder, one PostgreSQL database, SEARCH_BACKEND=postgres:
what one saves, the other finds at once (as two machines behind a load balancer)."""

from __future__ import annotations

import pytest
from app_process import AppProcess, api_search, create_product, hide_product, rename_product, search_backend

from tests.conftest import make_config, with_postgres_search


@pytest.fixture
def app_config(app_config):
    return with_postgres_search(app_config)


@pytest.fixture
def machines(app, make_shop, tmp_path):
    """Two app processes ("machines") with their own data folders, and a shop made here."""
    from catalog.categories import load_categories

    load_categories()
    shop = make_shop(name="宁陵酥梨合作社", county="宁陵县")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    configs = [make_config(url, tmp_path / name, SEARCH_BACKEND="postgres", SEARCH_WARM_UP=False,
                           SEARCH_VOCABULARY_TTL=0)
               for name in ("machine-a", "machine-b")]
    with AppProcess(configs[0]) as a, AppProcess(configs[1]) as b:
        yield a, b, shop.id


def test_what_one_process_saves_the_other_finds_at_once(machines, tmp_path):
    a, b, shop_id = machines
    assert a.call(search_backend) == b.call(search_backend) == "postgres"
    assert b.call(api_search, "酥梨") == []

    pear = a.call(create_product, shop_id, "宁陵金顶谢花酥梨 礼盒装")
    # no waiting, no queue: the document was written in the product's own transaction
    assert b.call(api_search, "酥梨") == [pear]
    assert b.call(api_search, "suli") == [pear]
    assert b.call(api_search, "sl") == [pear]
    assert b.call(api_search, "nlsl") == [pear]  # initials of two words: read through the other's new words

    b.call(rename_product, pear, "宁陵白皮酥梨 新果")
    assert a.call(api_search, "白皮") == [pear]
    assert a.call(api_search, "礼盒") == []

    a.call(hide_product, pear)
    assert b.call(api_search, "酥梨") == []
    # neither machine keeps an index of its own
    assert not any((tmp_path / name / "search-index").exists() for name in ("machine-a", "machine-b"))
