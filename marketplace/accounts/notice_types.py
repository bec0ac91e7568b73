"""The account's security notices as notification types (marketplace.notifications): always sent."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import EMAIL, IN_APP, register_type
from marketplace.shops.notice_types import ACCOUNT


def register(app: Flask) -> None:
    register_type(app, "accounts.password_changed", label=_l("密码已修改"), group=ACCOUNT, optional=False,
                  templates=("password_changed",), channels=(IN_APP, EMAIL), defaults=(IN_APP, EMAIL),
                  text=_l("您的密码已修改，所有设备上的登录都已结束。如果不是您本人操作，请立即重设密码。"))
