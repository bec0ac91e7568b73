"""SQL budget of adding to the cart: one transaction and at most four statements per request,
counted from the request's start (the signed-in user's or the token's load included) to its end, for the HTML
form (a redirect) and the JSON API (whose answer is the whole cart), with and without a cart, with
the line new or already there. Measured on SQLite and PostgreSQL: 4 on the first add of a user's life
(it creates his cart), 3 after (user, read, upsert); 10-13 in two transactions before. Counted: every cursor execution of this thread (an executemany
counts once); the COMMIT is the driver's, not a statement."""

from __future__ import annotations

import collections
import os

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.regions.services import cached_ancestors
from orders.models import Cart, CartLine
from tests.marketplace.perf_helpers import count_statements

#: user (or token) load, the variant with everything the check needs (+ the cart's lines for the
#: API's answer), the cart's creation on a first add only, the line's upsert.
ADD_TO_CART_BUDGET = 4


def _dump(label, statements):
    if os.environ.get("BUDGET_DUMP"):  # BUDGET_DUMP=1 pytest -s: which statements
        print(f"\n{label}: {len(statements)}")
        for stmt, n in collections.Counter(" ".join(x.split())[:160] for x in statements).items():
            print(" ", n, stmt)




def _lines(user) -> dict[int, tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(CartLine.variant_id, CartLine.quantity, CartLine.price_seen_cents)
                              .join(Cart).where(Cart.user_id == user.id)).all()
    return {vid: (qty, price) for vid, qty, price in rows}


@pytest.mark.parametrize("how", ["form", "api-session", "api-token"])
def test_add_to_cart_budget(app, client, login, make_user, make_shop, make_variant, token_for, how):
    buyer = make_user()
    shop, other = make_shop(), make_shop()
    first = make_variant(shop, price=1000, stock=100, tiers=((10, 900), (20, 800)))
    second = make_variant(other, price=500, stock=50, moq=2, step=2)
    first_id, second_id = first.id, second.id
    from catalog.units.table import unit_table

    unit_table()  # the process's unit snapshot, loaded once per process (not per request): steady state
    for region_id in {shop.region_id, other.region_id}:  # the zones' labels: chains cached for an hour
        cached_ancestors(region_id)
    headers = {}
    if how == "api-token":
        headers = token_for(buyer)
        client.get("/api/v1/cart", headers=headers)  # the token's last use is recorded once a minute, not per request
    else:
        login(buyer)
        client.get("/")

    def add(variant_id, qty):
        db.session.remove()
        with count_statements(db.engine) as sql:
            if how == "form":
                response = client.post("/cart/add", data={"variant_id": variant_id, "quantity": qty, "next": "/cart"})
                assert response.status_code == 302, response.get_data(as_text=True)[:300]
            else:
                response = client.post("/api/v1/cart", json={"variant_id": variant_id, "quantity": qty},
                                       headers=headers)
                assert response.status_code == 201, response.json
        _dump(f"{how} add {variant_id} x{qty}", sql)
        return len(sql), response

    first_add, _r = add(first_id, 8)        # no cart yet: created here
    again, _r = add(first_id, 4)            # the line is there: 12, the 10+ tier
    other_shop, response = add(second_id, 4)  # a second line, another shop
    print(f"\nadd to cart ({how}): first {first_add}, same line {again}, new line {other_shop} statements")
    assert _lines(buyer) == {first_id: (12, 900), second_id: (4, 500)}
    if how != "form":
        body = response.json
        assert body["line_count"] == 2 and body["subtotal_cents"] == 12 * 900 + 4 * 500
        by_variant = {ln["variant_id"]: ln for g in body["groups"] for ln in g["lines"]}
        assert by_variant[first_id]["unit_price_cents"] == 900 and by_variant[first_id]["next_tier"]["more"] == 8
        assert by_variant[second_id]["quantity"] == 4 and by_variant[second_id]["moq"] == 2
        assert len(body["groups"]) == 2
    assert max(first_add, again, other_shop) <= ADD_TO_CART_BUDGET


def test_a_village_shops_default_zone_costs_no_statement(app, client, login, make_user, make_shop, make_variant):
    """A shop placed in a village with no delivery rule of its own delivers in its county: the add's
    answer names that county from the joined township and county, with no query to find it."""
    from marketplace.regions.models import Region, RegionLevel

    village = db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.VILLAGE,
                                                        Region.code.like("411424%")).limit(1))
    county = db.session.scalar(sa.select(Region).where(Region.code == "411424"))
    shop = make_shop(region=village)
    variant_id = make_variant(shop, price=700, stock=20).id
    cached_ancestors(county.id)
    buyer = make_user()
    login(buyer)
    client.get("/")
    for qty in (1, 2):
        db.session.remove()
        with count_statements(db.engine) as sql:
            response = client.post("/api/v1/cart", json={"variant_id": variant_id, "quantity": qty})
        assert response.status_code == 201, response.json
        _dump(f"village add x{qty}", sql)
        assert len(sql) <= ADD_TO_CART_BUDGET
    (zone,) = response.json["groups"][0]["delivery"]["zones"]
    assert zone["region"]["code"] == "411424" and zone["region"]["level"] == "county"
    assert zone["region"]["name"] == "河南省商丘市柘城县"
    assert len(sql) == 3  # the user, the cart's read, the line's upsert
