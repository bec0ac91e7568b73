"""The batch code (traceability lot code), generated, never typed by the merchant.

Rule: ``<VARIETY>-<YYYYMMDD>-<USCC6>-<NNNN>``

* VARIETY: the pinyin initials of the product's title, up to six letters (宁陵金顶谢花酥梨 -> NLJDXH);
  Latin letters and digits of the title are kept as they are; "LOT" when nothing is left.
* YYYYMMDD: the harvest / production (for a repacked batch: repacking) date.
* USCC6: the last six characters of the shop's 统一社会信用代码 (its licence number): which
  producer, at a glance, on a printed label; the shop's id, zero-padded, when it has none.
* NNNN: the shop's own running number of batches (1, 2, ...; more digits after 9999).

The shop's sequence makes the code unique within the shop; two shops with the same USCC tail,
variety, date and sequence (very unlikely) are told apart by the shop id appended to the second.
Codes use only A-Z, 0-9 and "-", so they are safe in a URL and on a QR code.
"""

from __future__ import annotations

import datetime as dt
import re

_KEEP = re.compile(r"[^A-Z0-9]")


def variety_tag(title: str) -> str:
    from pypinyin import Style, lazy_pinyin  # loaded when a batch is recorded, not by every worker

    pieces = lazy_pinyin(title or "", style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return _KEEP.sub("", "".join(pieces).upper())[:6] or "LOT"


def uscc_tail(licence_number: str | None, shop_id: int) -> str:
    text = _KEEP.sub("", (licence_number or "").upper())
    return text[-6:] if len(text) >= 6 else f"{shop_id:06d}"


def batch_code(title: str, produced_on: dt.date, licence_number: str | None, shop_id: int, sequence: int) -> str:
    return f"{variety_tag(title)}-{produced_on:%Y%m%d}-{uscc_tail(licence_number, shop_id)}-{sequence:04d}"


#: What a batch code looks like (the trace page's address refuses anything else at once).
CODE_PATTERN = re.compile(r"^[A-Z0-9]{1,6}-\d{8}-[A-Z0-9]{6}-\d{4,}(-\d+)?$")
