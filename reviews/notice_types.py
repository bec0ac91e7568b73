"""The reviews' notices as notification types (marketplace.notifications): the shop hears of a new
review, the buyer of the shop's reply, the reviewer of the platform hiding his review."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type

GROUP = _l("评价")


def register(app: Flask) -> None:
    register_type(app, "reviews.new", label=_l("新评价"), group=GROUP, audience="merchant",
                  channels=("in_app", "email"), defaults=("in_app",),
                  text=_l("买家评价了“%(product)s”：%(stars)s 星"), description=_l("买家评价了本店的商品"))
    register_type(app, "reviews.reply", label=_l("店铺回复评价"), group=GROUP, audience="buyer",
                  channels=("in_app", "email"), defaults=("in_app",),
                  text=_l("%(shop)s 回复了您对“%(product)s”的评价"), description=_l("店铺回复了您的评价"))
    register_type(app, "reviews.hidden", label=_l("评价被隐藏"), group=GROUP, channels=("in_app", "email"),
                  defaults=("in_app", "email"), optional=False,
                  text=_l("您对“%(product)s”的评价已被平台隐藏：%(reason)s"), description=_l("平台隐藏了您的评价"))
