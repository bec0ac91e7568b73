"""SQL budget of placing an order through the JSON API (what bench/checkout.py drives): the count
does not grow with the lines, and grows with the shops only by what one order per shop needs (on
SQLite, whose ORM inserts the orders one by one; on PostgreSQL they are one INSERT ... RETURNING).
The lines, the status history, the stock movements and the reservation are one statement each;
nothing just written is read back."""

from __future__ import annotations

import collections
import os

import sqlalchemy as sa

from catalog.models import StockMovement, Variant
from marketplace.extensions import db
from orders.models import OrderGroup, OrderLine
from tests.marketplace.perf_helpers import count_statements

#: Statements of one API checkout (token load included), 1 line from 1 shop. Measured: 14 on SQLite
#: and PostgreSQL; 5 lines from 3 shops 16 on SQLite, 14 on PostgreSQL (the notifications are one
#: INSERT since 2026-12-07; 15 and 17 before). Before issue 20: 18 for 1 line, 21 (SQLite) and 19
#: (PostgreSQL) for 5 lines from 3 shops.
PLACE_ONE_LINE_BUDGET = 14




def _buyer(make_user, make_shop, make_variant, user_cart, token_for, shape: list[int]):
    """A buyer whose cart holds ``shape[i]`` lines from shop i: (API headers, variant ids)."""
    buyer = make_user()
    items, variants = [], []
    for n_lines in shape:
        shop = make_shop()
        for _l in range(n_lines):
            v = make_variant(shop, price=1000, stock=100, tiers=((10, 900),))
            items.append((v, 3))
            variants.append(v.id)
    user_cart(buyer, items)
    return token_for(buyer), variants


def _place(client, headers, key: str):
    client.get("/api/v1/cart", headers=headers)  # the token's last use is recorded (once a minute)
    db.session.remove()
    with count_statements(db.engine) as sql:
        response = client.post("/api/v1/checkout", json={}, headers={**headers, "Idempotency-Key": key})
    assert response.status_code == 201, response.json
    if os.environ.get("BUDGET_DUMP"):  # BUDGET_DUMP=1 pytest -s: which statements, how often
        print(f"\n{key}: {len(sql)}")
        for stmt, n in collections.Counter(" ".join(x.split())[:150] for x in sql).items():
            print(" ", n, stmt)
    return len(sql), response


def test_place_order_budget_one_line_and_five_from_three_shops(app, client, make_user, make_shop, make_variant,
                                                              user_cart, token_for):
    from catalog.units.table import unit_table

    unit_table()  # the process's unit snapshot (once per process)
    one_buyer, _v = _buyer(make_user, make_shop, make_variant, user_cart, token_for, [1])
    five_buyer, variants = _buyer(make_user, make_shop, make_variant, user_cart, token_for, [2, 2, 1])
    one, _r = _place(client, one_buyer, "budget-one-0001")
    five, response = _place(client, five_buyer, "budget-five-0001")
    print(f"\nplace order (API): 1 line {one}, 5 lines from 3 shops {five} statements")
    # what was written is what the answer shows, and the stock moved by exactly the lines
    body = response.json
    assert len(body["orders"]) == 3 and sum(len(o["lines"]) for o in body["orders"]) == 5
    assert body["total_cents"] == sum(o["total_cents"] for o in body["orders"]) and body["subtotal_cents"] == 5 * 3000
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(Variant.stock).where(Variant.id.in_(variants)))) == {97}
    moved = db.session.scalars(sa.select(StockMovement.delta).where(StockMovement.variant_id.in_(variants))).all()
    assert sorted(moved) == [-3] * 5
    group = db.session.scalar(sa.select(OrderGroup).where(OrderGroup.idempotency_key == "budget-five-0001"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderLine)
                             .where(OrderLine.order_id.in_([o.id for o in group.orders]))) == 5
    assert one <= PLACE_ONE_LINE_BUDGET
    # two more orders: on SQLite two more INSERTs into orders; nothing grows with the lines
    assert five - one <= (2 if db.engine.dialect.name == "sqlite" else 0)
