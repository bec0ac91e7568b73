"""Sourcing's notices as notification types (marketplace.notifications): the shop's (a matching
request, a revision or cancellation of a request it quoted, its quote chosen or not) and the
buyer's (a new or revised quote)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type, subject_from

#: What each event says in a notification (sourcing.notify: who hears of which).
EVENTS = {"new_request": _l("有新的求购可以报价"), "request_revised": _l("买家修改了求购"),
          "request_cancelled": _l("买家取消了求购"), "accepted": _l("您的报价已被采纳"),
          "not_chosen": _l("买家选择了其他报价"), "new_quote": _l("收到新报价"), "quote_revised": _l("报价已修改"),
          "order_lapsed": _l("成交订单未付款已关闭，报价重新有效")}
GROUP = _l("求购与报价")


def _params(sms: dict, context: dict) -> dict:
    return {**sms, "event": context.get("event", "")}


_subject = subject_from("req", "request")


def register(app: Flask) -> None:
    text = _l("求购“%(request)s”：%(event)s")
    register_type(app, "sourcing.shop", label=_l("求购商机"), group=GROUP, templates=("sourcing",),
                  audience="merchant", text=text, params=_params, subject=_subject, words={"event": EVENTS},
                  description=_l("您经营的品类和配送区域有新求购，或您报价的求购有变化"))
    register_type(app, "sourcing.buyer", label=_l("收到的报价"), group=GROUP, templates=("sourcing",),
                  audience="buyer", text=text, params=_params, subject=_subject, words={"event": EVENTS},
                  description=_l("店铺对您的求购报价或修改报价"))
