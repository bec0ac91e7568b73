"""Units a variant may be sold in, and which of them carry a known weight."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: unit -> grams per unit, when the unit is itself a weight.
WEIGHT_UNITS: dict[str, int] = {"kg": 1000, "公斤": 1000, "千克": 1000, "斤": 500, "吨": 1_000_000, "g": 1, "克": 1}

#: Every unit offered in the editor and accepted by the CSV import, with a label.
UNITS: dict[str, object] = {
    "kg": _l("千克（kg）"),
    "斤": _l("斤"),
    "吨": _l("吨"),
    "g": _l("克（g）"),
    "箱": _l("箱"),
    "袋": _l("袋"),
    "件": _l("件"),
    "个": _l("个"),
    "盒": _l("盒"),
    "瓶": _l("瓶"),
    "桶": _l("桶"),
    "包": _l("包"),
    "把": _l("把"),
    "双": _l("双"),
    "只": _l("只"),
    "套": _l("套"),
    "台": _l("台"),
    "卷": _l("卷"),
    "米": _l("米"),
    "块": _l("块"),
    "张": _l("张"),
    "条": _l("条"),
    "支": _l("支"),
    "打": _l("打"),
    "公斤": _l("公斤"),
    "千克": _l("千克"),
    "克": _l("克"),
}

#: Aliases people type in spreadsheets.
ALIASES = {"KG": "kg", "Kg": "kg", "千克(kg)": "kg", "t": "吨", "T": "吨", "pcs": "个", "PCS": "个"}


def normalise_unit(text: str) -> str | None:
    """The canonical unit for what a merchant typed, or None when it is not a known unit."""
    text = (text or "").strip()
    text = ALIASES.get(text, text)
    return text if text in UNITS else None


def grams_per_unit(unit: str, weight_grams: int | None) -> int | None:
    """Net grams in one unit: from the unit itself (kg, 斤, 吨) or from the variant's weight."""
    if unit in WEIGHT_UNITS:
        return WEIGHT_UNITS[unit]
    if weight_grams and weight_grams > 0:
        return weight_grams
    return None
