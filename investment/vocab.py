"""The domain's vocabulary: sectors (from the data file), enum labels, investment brackets, units.

Amounts are stored in fen and shown in 万元 (1 万元 = 1,000,000 fen); land in hundredths of a 亩.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from investment.models import (
    ActivityKind,
    CoopMode,
    LandNature,
    LandStatus,
    LeadPriority,
    LeadStage,
    ProjectStatus,
)
from marketplace.errors import DomainError
from marketplace.money import MoneyError, parse_amount

SECTORS_FILE = Path(__file__).parent / "data" / "sectors.json"

#: fen in one 万元
WAN = 1_000_000


@lru_cache(maxsize=1)
def sectors() -> list[dict]:
    """The sector list from investment/data/sectors.json: [{code, zh, en}, ...]."""
    return json.loads(SECTORS_FILE.read_text(encoding="utf-8"))["sectors"]


def sector_codes() -> set[str]:
    return {s["code"] for s in sectors()}


def sector_name(code: str | None, locale: str = "zh_CN") -> str:
    for s in sectors():
        if s["code"] == code:
            return s["en"] if locale == "en" else s["zh"]
    return code or ""


def sector_choices(locale: str = "zh_CN") -> list[tuple[str, str]]:
    return [(s["code"], s["en"] if locale == "en" else s["zh"]) for s in sectors()]


STATUS_LABELS = {
    ProjectStatus.DRAFT: _l("草稿"),
    ProjectStatus.IN_REVIEW: _l("待审核"),
    ProjectStatus.PUBLISHED: _l("已发布"),
    ProjectStatus.SIGNED: _l("已签约"),
    ProjectStatus.CLOSED: _l("已关闭"),
    ProjectStatus.WITHDRAWN: _l("已撤回"),
}
STATUS_BADGES = {
    ProjectStatus.DRAFT: "", ProjectStatus.IN_REVIEW: "badge-warn", ProjectStatus.PUBLISHED: "badge-ok",
    ProjectStatus.SIGNED: "badge-ok", ProjectStatus.CLOSED: "", ProjectStatus.WITHDRAWN: "badge-err",
}
#: The label of the action that moves a project to the status.
STATUS_ACTIONS = {
    ProjectStatus.DRAFT: _l("退回草稿"),
    ProjectStatus.IN_REVIEW: _l("提交审核"),
    ProjectStatus.PUBLISHED: _l("审核通过并发布"),
    ProjectStatus.SIGNED: _l("标记为已签约"),
    ProjectStatus.CLOSED: _l("关闭项目"),
    ProjectStatus.WITHDRAWN: _l("撤回项目"),
}
MODE_LABELS = {
    CoopMode.SOLE: _l("独资"),
    CoopMode.JOINT_VENTURE: _l("合资"),
    CoopMode.COOPERATION: _l("合作"),
    CoopMode.PPP: _l("PPP"),
    CoopMode.BOT: _l("BOT"),
    CoopMode.EQUITY: _l("股权合作"),
    CoopMode.OTHER: _l("其他"),
}
LAND_NATURE_LABELS = {
    LandNature.INDUSTRIAL: _l("工业用地"),
    LandNature.COMMERCIAL: _l("商业服务业用地"),
    LandNature.LOGISTICS: _l("物流仓储用地"),
    LandNature.AGRICULTURAL: _l("设施农业用地"),
    LandNature.COLLECTIVE: _l("集体经营性建设用地"),
    LandNature.TOURISM: _l("旅游用地"),
    LandNature.NONE: _l("不需新增用地"),
}
LAND_STATUS_LABELS = {
    LandStatus.READY: _l("净地，可直接供地"),
    LandStatus.FACTORY: _l("标准化厂房可租可售"),
    LandStatus.PLANNED: _l("已列入规划，待征收"),
    LandStatus.NONE: _l("无"),
}
STAGE_LABELS = {
    LeadStage.NEW: _l("新线索"),
    LeadStage.CONTACTED: _l("已联系"),
    LeadStage.NEGOTIATING: _l("在谈"),
    LeadStage.SIGNED: _l("签约"),
    LeadStage.DECLINED: _l("未成"),
}
PRIORITY_LABELS = {
    LeadPriority.KEY: _l("重点跟进"),
    LeadPriority.KEEP: _l("保持对接"),
    LeadPriority.DROPPED: _l("不再跟进"),
}
ACTIVITY_LABELS = {
    ActivityKind.CREATED: _l("收到咨询"),
    ActivityKind.NOTE: _l("备注"),
    ActivityKind.CALL: _l("电话"),
    ActivityKind.VISIT: _l("走访/考察"),
    ActivityKind.STAGE: _l("阶段变更"),
    ActivityKind.REPLY: _l("回复投资人"),
    ActivityKind.UPDATE: _l("跟进设置"),
}

#: Investment brackets on the total investment: (code, label, low fen inclusive, high fen exclusive).
BRACKETS = [
    ("lt50m", _l("5000万元以下"), 0, 5_000 * WAN),
    ("50m-100m", _l("5000万–1亿元"), 5_000 * WAN, 10_000 * WAN),
    ("100m-500m", _l("1亿–5亿元"), 10_000 * WAN, 50_000 * WAN),
    ("500m-1b", _l("5亿–10亿元"), 50_000 * WAN, 100_000 * WAN),
    ("ge1b", _l("10亿元以上"), 100_000 * WAN, None),
]


def bracket_of(cents: int) -> str:
    for code, _label, lo, hi in BRACKETS:
        if cents >= lo and (hi is None or cents < hi):
            return code
    return BRACKETS[0][0]


def bracket_range(code: str) -> tuple[int, int | None] | None:
    for c, _label, lo, hi in BRACKETS:
        if c == code:
            return lo, hi
    return None


def parse_wan(text: str | None, *, required: bool = False) -> int | None:
    """'1.5' (万元) -> 15000000 fen; at most 2 decimals of 万元 (100 元). Raises MoneyError (user-facing)."""
    text = (text or "").strip().replace("万元", "").replace("万", "")
    if not text:
        if required:
            raise MoneyError(_("请填写金额（万元）"))
        return None
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise MoneyError(_("金额格式不正确：%(value)s", value=text[:40])) from None
    if not value.is_finite():
        raise MoneyError(_("金额格式不正确：%(value)s", value=text[:40]))
    if value != value.quantize(Decimal("0.01")):
        raise MoneyError(_("以万元为单位时最多保留两位小数"))
    return parse_amount(value * 10_000)


def wan(cents: int | None) -> str:
    """fen -> '12,000' or '1.5' (万元, without the unit)."""
    if cents is None:
        return ""
    value = (Decimal(cents) / WAN).quantize(Decimal("0.01"))
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def wan_plain(cents: int | None) -> str:
    """fen -> '12000' (form value, no thousands separator)."""
    return wan(cents).replace(",", "")


class UnitError(DomainError):
    """A land area could not be read; the message is user-facing."""

    status = 400
    code = "invalid_area"


def parse_mu(text: str | None) -> int:
    """'35.5' 亩 -> 3550 hundredths."""
    text = (text or "").strip().replace("亩", "")
    if not text:
        return 0
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise UnitError(_("面积格式不正确：%(value)s", value=text[:40])) from None
    if not value.is_finite() or value < 0:
        raise UnitError(_("面积格式不正确：%(value)s", value=text[:40]))
    if value != value.quantize(Decimal("0.01")):
        raise UnitError(_("面积最多保留两位小数"))
    if value > 1_000_000:
        raise UnitError(_("面积过大"))
    return int(value * 100)


def mu(hundredths: int | None) -> str:
    if not hundredths:
        return "0"
    return f"{Decimal(hundredths) / 100:,.2f}".rstrip("0").rstrip(".")
