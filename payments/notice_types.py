"""The payment notices as notification types (marketplace.notifications): refunds and statements."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type, subject_from
from orders.notice_types import BUYER, order_subject


def _statement(sms: dict, context: dict) -> dict:
    return {**sms, "state": "overdue" if context.get("overdue") else "issued"}


_statement_subject = subject_from("statement")


def register(app: Flask) -> None:
    register_type(app, "payments.refunded", label=_l("退款"), group=BUYER, templates=("order_refunded",),
                  text=_l("订单 %(order)s 已退款 %(amount)s"), subject=order_subject)
    register_type(app, "payments.statement", label=_l("月结账单"), group=BUYER,
                  templates=("statement_issued", "statement_overdue"), params=_statement, subject=_statement_subject,
                  text=_l("%(state)s：店铺“%(shop)s” %(period)s 账单 %(amount)s，付款期限 %(due)s"),
                  words={"state": {"issued": _l("账单已出"), "overdue": _l("账单已逾期")}})
