"""Checks on shop data shared by the HTML forms and the services: phone, licence number, slug."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from slugify import slugify

from marketplace.errors import DomainError

#: The 31 characters of a unified social credit code (GB 32100-2015: no I, O, S, V, Z).
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_CHARS}]{{2}}\d{{6}}[{USCC_CHARS}]{{10}}$")
_REG_NO_RE = re.compile(r"^\d{15}$")

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$")
_SERVICE_RE = re.compile(r"^([48]00)-?(\d{3})-?(\d{4})$")

#: Path segments under /shops/ that a shop's slug must never take.
RESERVED_SLUGS = {"apply", "application", "new", "edit", "search", "licence", "api", "admin", "merchant"}


class FieldError(DomainError):
    """A value failed a check; the message is user-facing (``field`` names the value when known)."""

    status = 422
    code = "invalid"


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character of a unified social credit code."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def normalise_licence_number(raw: str) -> str:
    """An upper-cased licence number without spaces, or FieldError with a clear message.

    Accepted: an 18-character unified social credit code (统一社会信用代码, check character
    verified) or a 15-digit registration number from an old-style business licence.
    """
    value = re.sub(r"[\s-]", "", raw or "").upper()
    if not value:
        raise FieldError(_("请填写营业执照号码"))
    if len(value) == 18:
        if not _USCC_RE.match(value):
            raise FieldError(_("统一社会信用代码格式不对：18 位，由数字和大写字母组成（不含 I、O、S、V、Z）"))
        if uscc_check_char(value[:17]) != value[17]:
            raise FieldError(_("统一社会信用代码的校验位不对，请对照营业执照核对"))
        return value
    if _REG_NO_RE.match(value):
        return value
    raise FieldError(_("请填写 18 位统一社会信用代码，或旧版营业执照上的 15 位注册号"))


def normalise_phone(raw: str) -> str:
    """A mainland mobile, landline (with area code) or 400/800 number, tidied; else FieldError."""
    value = re.sub(r"[\s()（）]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    value = value.lstrip("-")
    digits = value.replace("-", "")
    if _MOBILE_RE.match(digits):
        return digits
    match = _LANDLINE_RE.match(value)
    if match:
        area, number, ext = match.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    match = _SERVICE_RE.match(value)
    if match:
        return "-".join(match.groups())
    raise FieldError(_("请填写有效的电话：11 位手机号，或带区号的固定电话（如 0370-3221234）"))


def slug_base(name: str) -> str:
    """URL name from a shop name's pinyin: 柘城红辣椒 -> zhe-cheng-hong-la-jiao."""
    from pypinyin import lazy_pinyin  # imported when a shop is named, not by every web worker (~55 MB)

    base = slugify(" ".join(lazy_pinyin(name or "")), max_length=60, word_boundary=True)
    if not base or base in RESERVED_SLUGS or base.isdigit():
        base = f"shop-{base}" if base else "shop"
    return base


class ShopError(DomainError):
    """A shop action was refused. ``errors`` maps form fields to their messages; without a message
    of its own the error says its first field's message."""

    status = 422
    code = "shop_refused"

    def __init__(self, message: str | None = None, field: str | None = None,
                 errors: Mapping[str, str | list[str]] | None = None, **kwargs):
        fields = {name: [msgs] if isinstance(msgs, str) else list(msgs) for name, msgs in (errors or {}).items()}
        if message is None:
            message = next((msgs[0] for msgs in fields.values() if msgs), "")
        super().__init__(message, field=field, errors=fields, **kwargs)
