"""Masked forms of personal data, for pages, exports and logs: 138****5678, z***@example.com, 张*.

One set of rules for the whole marketplace. A page shows the full value only to who needs it (the
owner, the shop delivering an open order, the officer working a lead, an admin on an individual page)
and the masked form everywhere else; the Jinja filters take that decision as an argument,
``{{ order.ship_phone|mask_phone(reveal) }}``, so a template that forgets it shows the masked form.
``scrub_text`` masks every e-mail address and phone number inside free text (log lines, notes).
"""

from __future__ import annotations

import re

STARS = "****"

#: An e-mail address anywhere in a text.
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+", re.ASCII)
#: A mainland mobile number (optionally +86, spaces or dashes between the groups) or a landline with
#: its area code (0370-1234567, 0370 1234 5678); never inside a longer run of digits or letters (ids).
PHONE_RE = re.compile(
    r"(?<![\w+-])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\w-])"
    r"|(?<![\w-])0\d{2,3}[ -]?\d{3,4}[ -]?\d{4}(?![\w-])", re.ASCII)

#: Endings of the province, city and county parts of a Chinese address (kept by mask_address).
_REGION_PART = re.compile(r"^[\u4e00-\u9fff]{1,12}(?:省|自治区|特别行政区|市|自治州|地区|盟|县|区|旗)$")
_REGION_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区|特别行政区))?(?:[\u4e00-\u9fff]{2,7}?(?:市|自治州|地区|盟))?"
    r"(?:[\u4e00-\u9fff]{1,7}?(?:县|区|旗|市))?")


def mask_phone(value: str | None) -> str:
    """138****5678: the first three and last four digits of a mobile (or landline) number.

    A +86 prefix is kept as such; short numbers keep less, so a mask never reveals most of a number.
    """
    if not value:
        return ""
    digits = re.sub(r"\D", "", str(value))
    prefix = ""
    if len(digits) == 13 and digits.startswith("86"):
        prefix, digits = "+86 ", digits[2:]
    if len(digits) >= 11:
        return f"{prefix}{digits[:3]}{STARS}{digits[-4:]}"
    if len(digits) >= 7:
        return f"{prefix}{digits[:2]}{STARS}{digits[-2:]}"
    return STARS + digits[-2:] if len(digits) >= 5 else STARS


def mask_email(value: str | None) -> str:
    """z***@example.com: the first character of the mailbox and the whole domain."""
    if not value:
        return ""
    local, at, domain = str(value).strip().rpartition("@")
    if not at or not local:
        return mask_name(value)
    return f"{local[0]}***@{domain}"


def mask_name(value: str | None) -> str:
    """张*, 王**, A***: the first character of a name, one to three stars for the rest."""
    text = (str(value) if value else "").strip()
    if not text:
        return ""
    return text[0] + "*" * max(1, min(len(text) - 1, 3))


def mask_address(value: str | None) -> str:
    """The province, city and county of an address, the street detail hidden:
    "河南省 商丘市 柘城县 城关镇人民路 1 号" -> "河南省 商丘市 柘城县 ****"."""
    text = (str(value) if value else "").strip()
    if not text:
        return ""
    parts = text.split()
    kept = []
    for part in parts[:3]:
        if not _REGION_PART.match(part):
            break
        kept.append(part)
    rest = len(parts) > len(kept)
    if not kept:  # written without spaces: "河南省商丘市柘城县城关镇..."
        prefix = _REGION_PREFIX.match(parts[0]).group(0)
        kept = [prefix] if prefix else []
        rest = len(parts) > 1 or prefix != parts[0]
    return " ".join([*kept, STARS] if rest else kept)


def scrub_text(text: str) -> str:
    """``text`` with every e-mail address and phone number in it masked (log lines, free-text notes)."""
    if not text or ("@" not in text and not any(ch.isdigit() for ch in text)):
        return text
    text = EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text)
    return PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def _filter(mask):
    def apply(value, reveal: bool = False):
        """The value itself when ``reveal`` (the viewer needs it), else its masked form."""
        if reveal:
            return value if value is not None else ""
        return mask(value)

    apply.__name__ = mask.__name__
    return apply


#: Jinja filters: ``{{ value|mask_phone }}`` masks, ``{{ value|mask_phone(reveal) }}`` decides.
FILTERS = {name: _filter(fn) for name, fn in
           (("mask_phone", mask_phone), ("mask_email", mask_email), ("mask_name", mask_name),
            ("mask_address", mask_address))}
FILTERS["scrub"] = lambda value, reveal=False: value if reveal else scrub_text(value or "")
