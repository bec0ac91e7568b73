"""What the platform did to a listing, as a notification type (marketplace.notifications): an
account notice the owner cannot turn off."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type, subject_from
from marketplace.shops.notice_types import ACCOUNT

ACTIONS = {"approved": _l("已通过审核"), "rejected": _l("未通过审核"), "hidden": _l("已被平台下架"),
           "restored": _l("已恢复上架"), "withdrawn": _l("已下架：不再符合所在分类的上架要求")}


#: What became of a report, told to whoever made it (catalog.services.moderation).
OUTCOMES = {"actioned": _l("已处理，商品已下架"), "dismissed": _l("经核查未发现问题")}


def _params(sms: dict, context: dict) -> dict:
    return {**sms, "action": context.get("action", "")}


_subject = subject_from("product")


def register(app: Flask) -> None:
    register_type(app, "catalog.moderation", label=_l("商品审核"), group=ACCOUNT, templates=("product_moderation",),
                  text=_l("商品“%(product)s”%(action)s"), params=_params, subject=_subject, optional=False,
                  words={"action": ACTIONS})
    register_type(app, "catalog.report", label=_l("举报处理结果"), group=_l("举报"), channels=("in_app", "email"),
                  defaults=("in_app",), text=_l("您举报的商品“%(product)s”：%(outcome)s"),
                  description=_l("平台处理了您举报的商品"), words={"outcome": OUTCOMES})
