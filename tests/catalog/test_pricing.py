"""Tier pricing boundaries, MOQ/step/stock validation, the next-tier hint, price per kg."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from catalog import pricing
from catalog.pricing import QuantityError


def make_variant(price=1200, tiers=((10, 1100), (100, 950)), moq=1, step=1, stock=1000, unit="箱", weight=None):
    return SimpleNamespace(price_cents=price, moq=moq, step=step, stock=stock, unit=unit, weight_grams=weight,
                           tiers=[SimpleNamespace(min_quantity=q, unit_price_cents=p) for q, p in tiers])


@pytest.mark.parametrize(("qty", "expected"), [
    (1, 1200), (9, 1200), (10, 1100), (11, 1100), (99, 1100), (100, 950), (101, 950), (100000, 950),
])
def test_unit_price_boundaries(qty, expected):
    assert pricing.unit_price(make_variant(), qty) == expected


def test_unordered_tiers_still_priced_by_quantity():
    v = make_variant(tiers=((100, 950), (10, 1100)))
    assert [pricing.unit_price(v, q) for q in (9, 10, 100)] == [1200, 1100, 950]


def test_no_tiers_is_base_price_and_line_total_is_exact():
    v = make_variant(tiers=())
    assert pricing.unit_price(v, 50) == 1200
    assert pricing.line_total(make_variant(), 100) == 95000


@pytest.mark.parametrize(("moq", "step", "qty", "ok"), [
    (1, 1, 1, True), (10, 1, 9, False), (10, 1, 10, True), (10, 5, 15, True), (10, 5, 12, False),
    (10, 5, 20, True), (1, 1, 0, False), (1, 1, -3, False), (1, 1, "abc", False), (1, 1, "2.5", False),
])
def test_validate_quantity_moq_and_step(moq, step, qty, ok):
    v = make_variant(moq=moq, step=step)
    if ok:
        assert pricing.validate_quantity(v, qty) == int(qty)
    else:
        with pytest.raises(QuantityError):
            pricing.validate_quantity(v, qty)


def test_step_message_suggests_valid_quantities(app):
    with pytest.raises(QuantityError) as exc:
        pricing.validate_quantity(make_variant(moq=10, step=5), 12)
    assert "10" in str(exc.value) and "15" in str(exc.value)


def test_moq_message(app):
    with pytest.raises(QuantityError, match="起批量为 10"):
        pricing.validate_quantity(make_variant(moq=10), 3)


def test_stock_limits_quantity(app):
    v = make_variant(moq=10, step=5, stock=27)
    assert pricing.max_orderable(v) == 25
    with pytest.raises(QuantityError, match="最多可订 25"):
        pricing.validate_quantity(v, 30)
    assert pricing.validate_quantity(v, 30, check_stock=False) == 30
    with pytest.raises(QuantityError, match="缺货"):
        pricing.validate_quantity(make_variant(moq=10, stock=5), 10)


@pytest.mark.parametrize(("qty", "more", "price"), [(1, 9, 1100), (9, 1, 1100), (10, 90, 950), (99, 1, 950)])
def test_next_tier_hint(app, qty, more, price):
    hint = pricing.next_tier_hint(make_variant(), qty)
    assert (hint.more, hint.unit_price_cents) == (more, price)
    assert "再订" in hint.message


def test_no_hint_at_top_tier_and_hint_respects_step(app):
    assert pricing.next_tier_hint(make_variant(), 100) is None
    hint = pricing.next_tier_hint(make_variant(moq=3, step=4), 3)  # 10 is not valid: 11 is
    assert hint.quantity == 11 and hint.more == 8


@pytest.mark.parametrize(("unit", "weight", "price", "per_kg"), [
    ("kg", None, 1200, 1200), ("斤", None, 600, 1200), ("吨", None, 1850000, 1850), ("箱", 5000, 6000, 1200),
    ("箱", 3000, 1000, 333), ("箱", 3000, 2000, 667), ("个", None, 500, None), ("箱", 0, 500, None),
])
def test_price_per_kg(app, unit, weight, price, per_kg):
    assert pricing.price_per_kg(make_variant(price=price, unit=unit, weight=weight)) == per_kg


@pytest.mark.parametrize(("tiers", "ok"), [
    ([(10, 1100), (100, 950)], True), ([(10, 1200)], True), ([(1, 1100)], False), ([(10, 1300)], False),
    ([(100, 950), (10, 1100)], False), ([(10, 1100), (10, 1000)], False), ([(10, 1100), (100, 1150)], False),
])
def test_validate_tiers(app, tiers, ok):
    assert (pricing.validate_tiers(1200, tiers) == []) is ok


@pytest.mark.parametrize(("unit", "weight", "price", "per_kg", "per_jin"), [
    ("斤", None, 350, 700, 350), ("两", None, 100, 2000, 1000), ("担", None, 60000, 1200, 600),
    ("kg", None, 701, 701, 351), ("公斤", None, 1200, 1200, 600), ("g", None, 3, 3000, 1500),
    ("筐", 15_000, 9000, 600, 300), ("筐", 7_000, 1000, 143, 71), ("升", None, 1000, None, None),
    ("升", 920, 1840, 2000, 1000), ("枚", 50, 80, 1600, 800), ("筐", None, 9000, None, None),
])
def test_prices_per_kg_and_per_jin_from_the_unit_table(app, unit, weight, price, per_kg, per_jin):
    """Rounded half up to the fen; a weight unit's factor wins over the variant's weight; a litre
    has no weight of its own (only the variant's weight tells)."""
    v = make_variant(price=price, unit=unit, weight=weight, tiers=())
    assert (pricing.price_per_kg(v), pricing.price_per_jin(v)) == (per_kg, per_jin)


@pytest.mark.parametrize(("unit", "weight", "shown"), [
    ("kg", None, {"jin": 600}), ("斤", None, {"kg": 2400}), ("筐", 15_000, {"kg": 80, "jin": 40}),
    ("箱", 500, {"kg": 2400}), ("箱", 1000, {"jin": 600}), ("盒", None, {}),
])
def test_weight_prices_leave_out_the_figure_that_is_the_unit_itself(app, unit, weight, shown):
    assert pricing.weight_prices(make_variant(price=1200, unit=unit, weight=weight, tiers=())) == shown


def test_a_cards_price_per_jin_comes_from_its_price_per_kg():
    assert [pricing.jin_from_kg(c) for c in (None, 600, 601, 1)] == [None, 300, 301, 1]
