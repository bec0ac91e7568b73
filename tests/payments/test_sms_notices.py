"""Accounts made with a mobile number only (a farmer's shop, a stall-holder buying) get their
notices by SMS, in their language, through the outbox: a new order and its payment for the
merchant, paid, shipped and weighed for the buyer, the shop's approval; an account with an e-mail
address gets e-mail only."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import Channel, OutboxMessage
from orders import services, weighing


def _texts(phone: str) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.SMS,
                                                             OutboxMessage.to_addr == phone).order_by(OutboxMessage.id))
    return {row.template.removeprefix("sms/notice/"): row.body_text for row in rows}


def test_a_farmer_and_a_stall_holder_with_phones_only_are_told_by_sms(make_user, make_shop, make_variant,
                                                                      make_group):
    farmer = make_user(mobile="+8613803701111", name="张大姐")
    shop = make_shop(name="柘城张大姐辣椒", owner=farmer)
    buyer = make_user(mobile="+8613903702222", name="李老板", locale="en")
    variant = make_variant(shop, unit="斤", price=600, stock=100, direct=False)
    group = make_group(buyer=buyer, items=[(variant, 20)])
    order = group.orders[0]
    assert "order_new" in _texts(farmer.mobile) and order.number in _texts(farmer.mobile)["order_new"]

    services.mark_paid(order, farmer, "cash")
    services.accept(order, farmer)
    weighing.record_weight(order, order.lines[0].id, "19.4", farmer)
    services.ready_for_pickup(order, farmer, "8866")
    merchant, mine = _texts(farmer.mobile), _texts(buyer.mobile)
    assert "买家已付款" in merchant["order_paid_merchant"]
    assert set(mine) >= {"order_paid", "order_weighed", "order_ready"}
    assert mine["order_ready"] == f"Your order {order.number} is ready: collect it at 柘城张大姐辣椒."
    assert "¥3.60 refunded" in mine["order_weighed"]
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.channel == Channel.EMAIL, OutboxMessage.to_addr.is_(None))) == 0


def test_an_account_with_an_address_gets_mail_not_sms(make_user, make_shop, make_variant, make_group):
    buyer = make_user(email="wang@example.com", mobile="+8613903703333")
    group = make_group(buyer=buyer, items=[(make_variant(make_shop()), 2)])
    services.mark_paid(group.orders[0], group.orders[0].shop.members[0].user, "cash")
    assert _texts(buyer.mobile) == {}
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.to_addr == "wang@example.com")) >= 1


def test_a_farmer_hears_his_shop_was_approved(make_user, make_shop):
    from marketplace.shops import services as shops
    from marketplace.shops.models import ShopStatus

    farmer = make_user(mobile="+8613803704444")
    shop = make_shop(name="宁陵县石桥镇梨园", owner=farmer, status=ShopStatus.PENDING)
    admin = make_user(roles=("admin",))
    shops.set_shop_status(shop, ShopStatus.APPROVED, admin)
    assert _texts(farmer.mobile)["shop_approved"] == "您的店铺“宁陵县石桥镇梨园”已通过审核，可以上架商品了。"
