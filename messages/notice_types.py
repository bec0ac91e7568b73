"""A new message as a notification type (marketplace.notifications): the other side hears of it in the
centre and, by default, by mail (or SMS to a phone-only account); the text itself stays on the site."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type, subject_from


def _params(sms: dict, context: dict) -> dict:
    return {"who": context.get("buyer_name") if context.get("to_shop") else context.get("shop_name")}


_subject = subject_from("conversation_id", "conversation")


def register(app: Flask) -> None:
    register_type(app, "messages.new", label=_l("新消息"), group=_l("消息"), templates=("conversation_message",),
                  description=_l("买家或店铺在会话中回复时（每轮一次）"), text=_l("%(who)s 发来新消息"),
                  params=_params, subject=_subject)
