"""Display names of shop types and statuses (Chinese msgids; English from the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.shops.models import MemberRole, ShopStatus, ShopType

SHOP_TYPE_LABELS = {
    ShopType.ENTERPRISE: _l("本地企业"),
    ShopType.MARKET_STALL: _l("批发市场商户"),
    ShopType.COOPERATIVE: _l("合作社"),
    ShopType.FARMER: _l("农户"),
}

SHOP_STATUS_LABELS = {
    ShopStatus.PENDING: _l("审核中"),
    ShopStatus.APPROVED: _l("已通过"),
    ShopStatus.REJECTED: _l("未通过"),
    ShopStatus.SUSPENDED: _l("已暂停"),
    ShopStatus.CLOSED: _l("已关闭"),
}

#: CSS badge class per status.
SHOP_STATUS_BADGES = {
    ShopStatus.PENDING: "badge-warn",
    ShopStatus.APPROVED: "badge-ok",
    ShopStatus.REJECTED: "badge-err",
    ShopStatus.SUSPENDED: "badge-err",
    ShopStatus.CLOSED: "badge-err",
}

MEMBER_ROLE_LABELS = {
    MemberRole.OWNER: _l("店主"),
    MemberRole.STAFF: _l("店员"),
}


def shop_type_label(value) -> str:
    try:
        return str(SHOP_TYPE_LABELS[ShopType(value)])
    except ValueError:
        return str(value)


def shop_status_label(value) -> str:
    try:
        return str(SHOP_STATUS_LABELS[ShopStatus(value)])
    except ValueError:
        return str(value)


def shop_status_badge(value) -> str:
    try:
        return SHOP_STATUS_BADGES[ShopStatus(value)]
    except ValueError:
        return ""


def member_role_label(value) -> str:
    try:
        return str(MEMBER_ROLE_LABELS[Role(value)])
    except (KeyError, ValueError):
        return str(value)
