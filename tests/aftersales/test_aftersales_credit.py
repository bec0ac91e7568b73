"""After-sales on an order bought on credit (月结): before the statement is paid no money moved, so
an approval takes the amount off the statement instead of refunding; its restock is counted, so a
later cancellation gives no unit back twice; once the statement is paid it is an ordinary refund."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from aftersales import services
from aftersales.models import AfterSaleStatus
from catalog.models import Variant
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from orders import services as orders
from orders.terms_models import Statement
from payments import credit
from payments.models import Refund
from tests.payments.conftest import movements_of

CODE = "91411400MA4000001J"


def _restaurant_order(make_user, make_shop, make_group, make_variant, qty=5):
    buyer = make_user(name="老街饭店")
    credit.save_profile(buyer, "商丘市梁园区老街饭店有限公司", CODE)
    shop = make_shop(name="睢阳区蔬菜批发")
    owner = shop.members[0].user
    credit.grant_credit(shop, owner, CODE, "500", "30")
    variant = make_variant(shop, unit="箱", price=1000, stock=20, direct=False)
    group = make_group(buyer=buyer, items=[(variant, qty)])
    credit.buy_on_credit(group, buyer)
    order = group.orders[0]
    orders.accept(order, owner)
    return order, owner, variant


def _statement_total() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(Statement.total_cents))


def test_a_credit_order_is_credited_on_its_statement_and_restocked_once(make_user, make_shop, make_group, make_variant):
    order, owner, variant = _restaurant_order(make_user, make_shop, make_group, make_variant)
    assert services.refusal(order) is None and services.owed_back(order) == 5000
    case = services.request_after_sale(order, order.buyer, kind="refund", reason="damaged",
                                       lines={order.lines[0].id: 2})
    services.approve(case, owner, restock=True)
    assert case.status == AfterSaleStatus.REFUNDED and case.credited_cents == 2000 and case.refund_id is None
    assert _statement_total() == 3000 and db.session.scalar(sa.select(sa.func.count(Refund.id))) == 0
    mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == order.buyer.email,
                                                            OutboxMessage.template == "after_sale")).one()
    assert "少付 ¥20.00" in mail.body_text
    assert services.askable_quantities(order) == {order.lines[0].id: 3} and services.owed_back(order) == 3000
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 17 == movements_of(variant.id)

    orders.cancel_by_merchant(order, owner, "餐厅停业")  # the other 3 boxes come back, not 5
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 20 == movements_of(variant.id)
    assert _statement_total() == 0


def test_more_than_the_statement_owes_is_refused(make_user, make_shop, make_group, make_variant):
    order, owner, _variant = _restaurant_order(make_user, make_shop, make_group, make_variant, qty=3)
    credit.reduce_charge(order, 1500)  # a weighed shortfall took 15.00 off already
    db.session.commit()
    with pytest.raises(services.AfterSaleError, match="不能超过 ¥15.00"):
        services.request_after_sale(order, order.buyer, kind="refund", reason="quality",
                                    lines={order.lines[0].id: 2}, amount="16")
    case = services.request_after_sale(order, order.buyer, kind="refund", reason="quality",
                                       lines={order.lines[0].id: 2})
    assert case.amount_cents == 1500  # at most what the statement still owes
    services.approve(case, owner)
    assert _statement_total() == 0 and services.refusal(order) == "这个订单已全部退款"
