"""What pages show for the messages domain's values (no raw enum value reaches a page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from messages.models import ReportReason, Resolution

REASON_LABELS = {
    ReportReason.SPAM: _l("垃圾广告、骚扰推销"),
    ReportReason.ABUSE: _l("辱骂、威胁或骚扰"),
    ReportReason.FRAUD: _l("诈骗或要求平台外付款"),
    ReportReason.PROHIBITED: _l("违禁商品或内容"),
    ReportReason.PRIVACY: _l("泄露他人隐私"),
    ReportReason.OTHER: _l("其他"),
}
RESOLUTION_LABELS = {
    Resolution.NO_ACTION: _l("未发现违规"),
    Resolution.WARNED: _l("已警告违规方"),
    Resolution.CLOSED: _l("关闭会话"),
}


def reason_label(value) -> str:
    return str(REASON_LABELS[ReportReason(value)])


def resolution_label(value) -> str:
    return str(RESOLUTION_LABELS[Resolution(value)]) if value else ""
