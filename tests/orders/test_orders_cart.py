"""Cart services: tier prices at their boundaries, quantity parsing, flags for sold-out lines."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from orders import services


@pytest.mark.parametrize("qty,unit_price,tier,hint_more", [
    (1, 1200, None, 9), (9, 1200, None, 1), (10, 1100, 10, 40), (49, 1100, 10, 1), (50, 1000, 50, None),
    (51, 1000, 50, None),
])
def test_tier_boundaries(make_user, make_variant, user_cart, qty, unit_price, tier, hint_more):
    buyer = make_user()
    v = make_variant(price=1200, stock=1000, tiers=((10, 1100), (50, 1000)))
    line = services.build_view(user_cart(buyer, [(v, qty)])).lines[0]
    assert (line.unit_price_cents, line.tier_min_quantity) == (unit_price, tier)
    assert line.line_total_cents == unit_price * qty
    assert (line.hint.more if line.hint else None) == hint_more


def test_hint_respects_the_order_step(make_user, make_variant, user_cart):
    buyer = make_user()
    v = make_variant(price=1200, stock=1000, moq=4, step=4, tiers=((10, 1100),))
    line = services.build_view(user_cart(buyer, [(v, 8)])).lines[0]
    assert line.hint.quantity == 12 and line.hint.more == 4  # 10 is not orderable; 12 is


@pytest.mark.parametrize("raw,expected", [(1, 1), ("7", 7), (" 12 ", 12), (9_999_999, 9_999_999), ("１２", 12)])
def test_parse_quantity_accepts(raw, expected):
    """Full-width digits (a Chinese input method) are whole numbers too."""
    assert services.parse_quantity(raw) == expected


@pytest.mark.parametrize("raw", [-1, 0, 1.5, 10**12, "abc", "-1", "0", "1.5", "1e3", "", None, True, 2.0,
                                 10**7, [], {}])
def test_parse_quantity_refuses(app, raw):
    with pytest.raises(services.CartError) as info:
        services.parse_quantity(raw)
    assert info.value.code == "invalid_quantity" and str(info.value)


def test_sold_out_line_is_flagged_not_changed(make_user, make_variant, user_cart):
    buyer = make_user()
    v = make_variant(stock=10)
    cart = user_cart(buyer, [(v, 6)])
    v.stock = 4
    db.session.commit()
    line = services.build_view(cart).lines[0]
    assert line.problems and "库存不足" in line.problems[0]
    assert line.quantity == 6 and cart.lines[0].quantity == 6


def test_changed_moq_is_flagged(make_user, make_variant, user_cart):
    buyer = make_user()
    v = make_variant(stock=100)
    cart = user_cart(buyer, [(v, 3)])
    v.moq = 5
    db.session.commit()
    assert "起批量为 5" in services.build_view(cart).lines[0].problems[0]


def test_changing_quantity_accepts_the_new_price(app, make_user, make_variant, user_cart):
    buyer = make_user()
    v = make_variant(price=1000, stock=100)
    cart = user_cart(buyer, [(v, 2)])
    v.price_cents = 1500
    db.session.commit()
    assert services.build_view(cart).lines[0].repriced_from_cents == 1000
    services.set_quantity(cart.lines[0].id, 3, cart=cart)
    line = services.build_view(cart).lines[0]
    assert line.repriced_from_cents is None and line.line_total_cents == 4500
