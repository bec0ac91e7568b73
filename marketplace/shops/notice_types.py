"""The shop's status as a notification type (marketplace.notifications): an account notice its owner
cannot turn off."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type, subject_from

#: The preferences page's group of the account notices (catalog's moderation joins it).
ACCOUNT = _l("店铺与账户")
STATUS_WORDS = {"approved": _l("已通过审核"), "rejected": _l("申请未通过"), "suspended": _l("已被暂停经营"),
                "closed": _l("已关闭"), "pending": _l("等待审核")}


def _params(sms: dict, context: dict) -> dict:
    return {**sms, "status": context.get("status", "")}


_subject = subject_from("shop")


def register(app: Flask) -> None:
    register_type(app, "shops.status", label=_l("店铺审核与状态"), group=ACCOUNT, templates=("shop_status",),
                  text=_l("店铺“%(shop)s”%(status)s"), params=_params, subject=_subject, optional=False,
                  words={"status": STATUS_WORDS})
