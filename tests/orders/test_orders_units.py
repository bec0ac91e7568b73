"""Units on orders: an order line's unit (a snapshot) keeps the unit in the table, is named in the
reader's language on order pages and mail, and a weight unit from the table (两) is weighed."""

from __future__ import annotations

import sqlalchemy as sa

from catalog import units
from catalog.models import Unit


def test_a_unit_named_only_by_an_order_line_is_in_use(db, make_user, make_variant, user_cart, place):
    buyer = make_user()
    variant = make_variant(unit="担", stock=10)
    place(buyer, user_cart(buyer, [(variant, 1)]), choices={variant.product.shop_id: "pickup"})
    assert units.unit_in_use("担")
    variant.unit = "吨"  # the merchant changed the variant's unit later: the order line still says 担
    db.session.commit()
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "担"))
    assert units.unit_in_use("担")
    try:
        units.delete_unit(unit, None)
    except units.UnitError as exc:
        assert exc.code == "unit_in_use"
    else:
        raise AssertionError("a unit on an order line was deleted")


def test_order_pages_and_mail_name_the_unit_in_the_readers_language(db, client, login, make_user, make_variant,
                                                                    user_cart, place):
    from marketplace.mail.models import OutboxMessage
    from marketplace.mail.services import render_pending

    buyer = make_user(locale="en")
    variant = make_variant(unit="筐", stock=10)
    group = place(buyer, user_cart(buyer, [(variant, 2)]), choices={variant.product.shop_id: "pickup"})
    login(buyer)
    client.post("/language", data={"locale": "en"})
    html = client.get(f"/orders/{group.orders[0].id}").get_data(as_text=True)
    assert "2 basket" in html and "2 筐" not in html
    client.post("/language", data={"locale": "zh_CN"})
    assert "2 筐" in client.get(f"/orders/{group.orders[0].id}").get_data(as_text=True)
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == buyer.email)))
    render_pending(mails)
    assert [m.template for m in mails] == ["order_placed"] and "× 2 basket" in mails[0].body_text


def test_a_weight_unit_of_the_table_is_weighed(app, db):
    from orders import weighing

    assert weighing.is_weight_unit("两") and not weighing.is_weight_unit("筐")
    assert weighing.parse_weight("3.5", "两") == 175
    assert weighing.format_weight(175, "两") == "3.5"
    assert weighing.parse_weight("1.2", "担") == 60_000
