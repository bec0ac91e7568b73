"""SQL budgets: the cart page and placing the order cost a number of statements that does not grow
with the number of lines (5 shops x 2 lines vs 5 shops x 4 lines)."""

from __future__ import annotations

import collections
import contextlib
import os
import types

import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderGroup

#: Statements per request (cursor executions; an executemany counts once), whatever the number of
#: lines. Measured on SQLite: cart page 7, placing the 5-shop order 29 (both for 5x2 and 5x4; on
#: PostgreSQL 25, as its five orders are one INSERT ... RETURNING, SQLite's five). Before the
#: checkout work of issue 7: 10 and 58. Issue 16 added two to placing: the recipients' notification
#: choices (one query) and their notifications (one INSERT); the header's bell costs the cart page
#: nothing (its count is loaded with the user). Issue 20: placing 25 on SQLite (the cart with its
#: tiers, shops and delivery rules read in one statement, the reservation one statement); 2026-12-07:
#: cart page 6, placing 24 on SQLite (the notifications one INSERT whether their subject is set or not).
CART_PAGE_BUDGET = 6
PLACE_ORDER_BUDGET = 24


@contextlib.contextmanager
def count_statements():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def _fill(make_user, make_shop, make_variant, user_cart, lines_per_shop: int):
    buyer = make_user()
    items = []
    for _s in range(5):
        shop = make_shop()
        for _l in range(lines_per_shop):
            items.append((make_variant(shop, price=1000, stock=100, tiers=((10, 900), (20, 800))), 3))
    user_cart(buyer, items)
    return types.SimpleNamespace(email=buyer.email)


def _measure(app, client, login, buyer):
    login(buyer)
    db.session.remove()
    with count_statements() as cart_sql:
        response = client.get("/cart")
    assert response.status_code == 200
    with count_statements() as place_sql:
        response = client.post("/checkout", data={"idempotency_key": "budget-key-0001"})
    assert response.status_code == 302, [ln for ln in response.get_data(as_text=True).splitlines() if "flash" in ln]
    if os.environ.get("BUDGET_DUMP"):  # BUDGET_DUMP=1 pytest -s: which statements, how often
        for stmt, n in collections.Counter(x[:150] for x in place_sql).most_common():
            print(n, stmt)
    return len(cart_sql), len(place_sql)


def test_cart_and_checkout_budget_does_not_grow_with_lines(app, client, login, make_user, make_shop, make_variant,
                                                           user_cart):
    from catalog.units.table import unit_table

    small = _fill(make_user, make_shop, make_variant, user_cart, lines_per_shop=2)
    big = _fill(make_user, make_shop, make_variant, user_cart, lines_per_shop=4)
    unit_table()  # the process's unit snapshot, loaded once per process (not per request): steady state
    cart_small, place_small = _measure(app, client, login, small)
    client.post("/account/logout")
    cart_big, place_big = _measure(app, client, login, big)
    print(f"\nSQL statements: cart page 5x2={cart_small} 5x4={cart_big}; "
          f"place order 5x2={place_small} 5x4={place_big}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 2
    assert cart_big == cart_small <= CART_PAGE_BUDGET
    assert place_big == place_small <= PLACE_ORDER_BUDGET
