"""The price alert's notice as a notification type (marketplace.notifications): in the centre, by
e-mail (the generic notification mail) and by SMS (templates/sms/notice/price_alert.txt), as the
user chose on his notification settings."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import register_type

#: The words of a stored ``direction`` parameter, in the reader's language.
DIRECTIONS = {"above": _l("达到或高于"), "below": _l("达到或低于")}


def register(app: Flask) -> None:
    register_type(app, "prices.alert", label=_l("价格提醒"), group=_l("行情"),
                  text=_l("%(commodity)s：%(market)s %(day)s 均价 %(price)s/%(unit)s，"
                          "已%(direction)s您设的 %(threshold)s/%(unit)s"),
                  words={"direction": DIRECTIONS},
                  description=_l("您订阅的品种价格涨过或跌过您设的价位"))
