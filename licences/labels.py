"""Words for licence types and statuses (never a raw value on a page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from licences.models import LicenceStatus, LicenceType

TYPE_LABELS = {LicenceType.PESTICIDE: _l("农药经营许可证"), LicenceType.SEED: _l("种子生产经营许可证"),
               LicenceType.VETERINARY_DRUG: _l("兽药经营许可证"), LicenceType.FOOD_BUSINESS: _l("食品经营许可证")}
STATUS_LABELS = {LicenceStatus.PENDING: _l("待平台核验"), LicenceStatus.VERIFIED: _l("已核验"),
                 LicenceStatus.REJECTED: _l("未通过核验"), LicenceStatus.EXPIRED: _l("已过期"),
                 LicenceStatus.REVOKED: _l("已被平台撤销")}
STATUS_BADGES = {LicenceStatus.PENDING: "badge-warn", LicenceStatus.VERIFIED: "badge-ok", LicenceStatus.REJECTED: "badge-err",
                 LicenceStatus.EXPIRED: "badge-err", LicenceStatus.REVOKED: "badge-err"}


def type_label(value) -> str:
    try:
        return str(TYPE_LABELS[LicenceType(value)])
    except ValueError:
        return str(value)


def status_label(value) -> str:
    try:
        return str(STATUS_LABELS[LicenceStatus(value)])
    except ValueError:
        return str(value)
