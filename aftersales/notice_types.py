"""The after-sales steps as notification types (marketplace.notifications): the buyer's and the shop's."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type, subject_from
from orders.notice_types import BUYER, SHOP

#: What each step says in a notification (aftersales.notify: who hears of which).
EVENTS = {"requested": _l("买家申请售后"), "approved": _l("商家已同意"), "returned": _l("买家已寄回商品"),
          "refused": _l("商家已拒绝"), "withdrawn": _l("买家已撤回申请"), "disputed": _l("买家申请平台介入"),
          "ruled": _l("平台已裁决")}


def _params(sms: dict, context: dict) -> dict:
    return {**sms, "event": context.get("event", "")}


_subject = subject_from("after_sale")


def register(app: Flask) -> None:
    text = _l("订单 %(order)s 的售后：%(event)s")
    register_type(app, "aftersales.buyer", label=_l("售后进展"), group=BUYER, templates=("after_sale",),
                  audience="buyer", text=text, params=_params, subject=_subject, words={"event": EVENTS})
    register_type(app, "aftersales.shop", label=_l("售后申请"), group=SHOP, templates=("after_sale",),
                  audience="merchant", text=text, params=_params, subject=_subject, words={"event": EVENTS})
