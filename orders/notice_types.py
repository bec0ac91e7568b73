"""The order notices as notification types (marketplace.notifications): the buyer's and the shop's.
Their parameters are the SMS values (order number, shop name); the subject is the order."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace import money
from marketplace.notifications.registry import EMAIL, IN_APP, register_type, subject_from

BUYER, SHOP = _l("我的订单"), _l("店铺订单")


order_subject = subject_from("order")


def _placed(_sms: dict, context: dict) -> dict:
    group = context["group"]
    return {"orders": len(group.orders), "total": money.format_cents(group.total_cents)}


def register(app: Flask) -> None:
    def add(key, label, text, group, templates=(), audience=None, **kw):
        register_type(app, key, label=label, text=text, group=group, templates=templates, audience=audience,
                      subject=order_subject, **kw)

    add("orders.placed", _l("订单已提交"), _l("您的订单已提交：%(orders)s 个店铺，合计 %(total)s"), BUYER,
        description=_l("结账后的确认"), channels=(IN_APP, EMAIL), defaults=(IN_APP, EMAIL), params=_placed)
    add("orders.paid", _l("付款成功"), _l("订单 %(order)s 付款成功（%(shop)s）"), BUYER, ("order_paid",), "buyer")
    add("orders.shipped", _l("订单已发货"), _l("店铺“%(shop)s”已发出订单 %(order)s"), BUYER, ("order_shipped",))
    add("orders.ready", _l("可以自提"), _l("订单 %(order)s 已备好，可以到店自提（%(shop)s）"), BUYER, ("order_ready",))
    add("orders.cancelled", _l("订单已取消"), _l("订单 %(order)s 已取消（%(shop)s）"), BUYER, ("order_cancelled",),
        "buyer")
    add("orders.weighed", _l("称重结算"), _l("订单 %(order)s 的“%(product)s”已按实际重量 %(actual)s 结算"), BUYER,
        ("order_weighed",))
    add("orders.invoice", _l("发票已开具"), _l("店铺“%(shop)s”已为订单 %(order)s 开具发票"), BUYER,
        ("invoice_issued",))
    add("orders.new", _l("新订单"), _l("新订单 %(order)s，请及时处理"), SHOP, ("order_new",), "merchant",
        description=_l("买家下单后立即通知"))
    add("orders.paid_shop", _l("订单已付款"), _l("订单 %(order)s 已付款，请接单"), SHOP, ("order_paid",), "merchant")
    add("orders.cancelled_shop", _l("订单被取消"), _l("订单 %(order)s 已取消（%(shop)s）"), SHOP, ("order_cancelled",),
        "merchant")
