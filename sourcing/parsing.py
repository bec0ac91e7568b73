"""Reading a sourcing form or JSON body: text without control characters, bounded whole numbers,
money in fen, dates. Every refusal is a SourcingError naming the field, in the user's language."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from marketplace import money
from marketplace.db import utcnow
from marketplace.text import has_forbidden, strip_controls
from sourcing.errors import SourcingError

#: The largest quantity anyone asks for or quotes (a 吨 count, a 件 count ...).
MAX_QUANTITY = 10_000_000


def text(raw, limit: int, *, field: str, required: str | None = None) -> str:
    """Free text: control characters refused, trimmed, refused (not cut) when too long."""
    value = "" if raw is None else str(raw)
    if has_forbidden(value) or strip_controls(value) != value:
        raise SourcingError(_("内容含有不允许的控制字符"), field=field)
    value = value.strip()
    if len(value) > limit:
        raise SourcingError(_("内容太长：最多 %(n)d 个字", n=limit), field=field)
    if required and not value:
        raise SourcingError(required, field=field)
    return value


def whole(raw, *, field: str, low: int = 1, high: int = MAX_QUANTITY, default: int | None = None) -> int:
    if (raw is None or str(raw).strip() == "") and default is not None:
        return default
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise SourcingError(_("请填写整数"), field=field) from None
    if not low <= value <= high:
        raise SourcingError(_("请填写 %(low)d 到 %(high)d 之间的整数", low=low, high=high), field=field)
    return value


def cents(raw, *, field: str, required: bool = False, positive: bool = True) -> int | None:
    if raw is None or str(raw).strip() == "":
        if required:
            raise SourcingError(_("请填写金额"), field=field)
        return None
    try:
        value = money.parse_amount(str(raw).strip()[:40], current_app.config["CURRENCY"])
    except money.MoneyError as exc:
        raise SourcingError(str(exc), field=field) from None
    if positive and value <= 0:
        raise SourcingError(_("金额必须大于 0"), field=field)
    return value


def date(raw, *, field: str, required: bool = False) -> dt.date | None:
    if raw is None or str(raw).strip() == "":
        if required:
            raise SourcingError(_("请选择日期"), field=field)
        return None
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise SourcingError(_("日期格式不正确"), field=field) from None


def local_today() -> dt.date:
    return utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def end_of_day_utc(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in the site's time zone, in UTC (as stored)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)
    return local.astimezone(dt.UTC)
