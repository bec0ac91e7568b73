"""The demo catalogue's data, without a database: one product per good (a grade, size, colour or
vintage is a variant, never a second product of the shop), and variants a merchant could have
typed (known units, names that fit, tiers that go down, MOQs within stock)."""

from __future__ import annotations

import pytest

from catalog.seed_data import CATALOG
from catalog.seed_variants import yuan
from catalog.units import normalise_unit
from marketplace import money
from tests.catalog.demo_names import near_duplicate_key


@pytest.mark.parametrize(("a", "b"), [
    ("柘城三樱椒 干椒 特级", "柘城三樱椒 干椒 二级"), ("宁陵金顶谢花酥梨 一级 果径 85mm 以上", "宁陵金顶谢花酥梨 统货 果径 75-85mm"),
    ("民权赤霞珠干红葡萄酒 2020", "民权赤霞珠干红葡萄酒 2022"), ("睢县休闲板鞋 黑色", "睢县休闲板鞋 白色"),
    ("6063 铝棒 直径 90mm", "6063 铝棒 直径 203mm"), ("永城面粉 特一粉", "永城面粉 特二粉"),
    ("纤维卷尺 20m", "纤维卷尺 100m"), ("永城无烟块煤", "永城无烟末煤")])
def test_the_key_sees_through_grades_sizes_colours_and_vintages(a, b):
    assert near_duplicate_key(a) == near_duplicate_key(b)


def test_the_key_keeps_different_goods_apart():
    titles = ["柘城三樱椒 干椒", "柘城朝天椒 干椒", "三樱椒 椒段", "民权赤霞珠干红葡萄酒", "民权赤霞珠桃红葡萄酒",
              "永城高筋粉", "永城低筋粉", "黑木耳", "银耳", "稍岗包胶钢卷尺", "稍岗自锁钢卷尺"]
    assert len({near_duplicate_key(t) for t in titles}) == len(titles)


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_each_shops_products_are_different_goods(slug):
    _prefix, specs = CATALOG[slug]()
    keys = {}
    for title, *_rest in specs:
        key = near_duplicate_key(title)
        assert key not in keys, f"{title!r} and {keys[key]!r} differ only by grade/size/colour/vintage"
        keys[key] = title


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_each_variant_is_one_a_merchant_could_enter(slug, app):  # the unit table needs the app
    prefix, specs = CATALOG[slug]()
    assert specs and prefix.isalpha()
    for title, _category, _origin, subtitle, attributes, _certs, variants in specs:
        assert len(title) <= 120 and len(subtitle) <= 200 and all(len(pair) == 2 for pair in attributes)
        names = [v[0] for v in variants]
        assert len(set(names)) == len(names), title
        for name, unit, price, stock, moq, step, _grams, tiers in variants:
            assert 0 < len(name) <= 80 and normalise_unit(unit) == unit, (title, name, unit)
            cents = money.parse_amount(price)
            assert cents > 0 and yuan(price) == price and 1 <= moq <= stock and step >= 1, (title, name)
            steps = [(q, money.parse_amount(p)) for q, p in tiers or ()]
            assert [q for q, _p in steps] == sorted({q for q, _p in steps}) and all(q > 1 for q, _p in steps)
            assert all(p <= cents for _q, p in steps), (title, name)
