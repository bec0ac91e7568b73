"""Display names of roles (Chinese msgids; English from the catalogue): never a raw value on a page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("平台管理员"),
    Role.OFFICER: _l("招商专员"),
    Role.REVIEWER: _l("项目审核人"),
    Role.SHOP_OWNER: _l("店主"),
    Role.SHOP_STAFF: _l("店员"),
    Role.MARKET_REPORTER: _l("市场报价员"),
    Role.VILLAGE_CLERK: _l("村级信息员"),
    Role.AGRICULTURE_OFFICER: _l("农业农村干部"),
    Role.FOOD_SAFETY_REGULATOR: _l("食品安全监管员"),
}


def role_label(value) -> str:
    try:
        return str(ROLE_LABELS[Role(value)])
    except ValueError:
        return str(value)
