"""The product editor's variant and tier rows: parse the posted form, and rows to show again."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace import money

MIN_EMPTY_VARIANTS = 2
TIER_ROWS = 3
MAX_ROWS = 30
MAX_TIER_ROWS = 10


def _blank_tiers(n: int = TIER_ROWS) -> list[dict]:
    return [{"qty": "", "price": ""} for _i in range(n)]


def rows_from_product(product) -> list[dict]:
    """The editor's rows (strings) for a product's active variants, plus empty rows to add more."""
    rows = []
    for v in product.variants if product else []:
        if not v.active:
            continue
        tiers = [{"qty": str(t.min_quantity), "price": money.format_plain(t.unit_price_cents)} for t in v.tiers]
        rows.append({"id": str(v.id), "name": v.name, "unit": v.unit, "price": money.format_plain(v.price_cents),
                     "stock": str(v.stock), "moq": str(v.moq), "step": str(v.step),
                     "weight": str(v.weight_grams or ""), "tiers": tiers + _blank_tiers(max(1, TIER_ROWS - len(tiers)))})
    return pad(rows)


def pad(rows: list[dict]) -> list[dict]:
    empty = max(1, MIN_EMPTY_VARIANTS - len(rows)) if rows else MIN_EMPTY_VARIANTS
    for _i in range(empty):
        rows.append({"id": "", "name": "", "unit": "", "price": "", "stock": "", "moq": "1", "step": "1",
                     "weight": "", "tiers": _blank_tiers()})
    return rows


def _int(text: str, default=None):
    text = (text or "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        return "invalid"


def parse_rows(form) -> tuple[list[dict], list[int], list[dict], dict[int, list[str]]]:
    """Read posted rows ``v-<i>-<field>`` / ``v-<i>-t<j>-qty|price``.

    Returns (variant rows for the service, the form index of each, the raw rows to show again,
    parse errors by form index). Rows with neither a name nor a price are ignored as empty.
    """
    rows, indices, raw_rows, errors = [], [], [], {}
    for i in range(MAX_ROWS):
        raw = _raw_row(form, f"v-{i}-")
        if raw is None:
            continue
        raw_rows.append(raw)
        if not raw["name"] and not raw["price"]:
            continue
        index = len(raw_rows) - 1
        row, messages = _variant_row(raw)
        if messages:
            errors[index] = messages
        rows.append(row)
        indices.append(index)
    return rows, indices, raw_rows, errors


def _raw_row(form, prefix: str) -> dict | None:
    """One row's posted strings (tiers padded to the editor's rows), or None when the form has no such row."""
    if not any(key.startswith(prefix) for key in form):
        return None
    raw = {k: form.get(prefix + k, "").strip() for k in ("id", "name", "unit", "price", "stock", "moq", "step",
                                                        "weight")}
    raw["tiers"] = []
    for j in range(MAX_TIER_ROWS):
        q, p = form.get(f"{prefix}t{j}-qty"), form.get(f"{prefix}t{j}-price")
        if q is None and p is None:
            continue
        raw["tiers"].append({"qty": (q or "").strip(), "price": (p or "").strip()})
    if len(raw["tiers"]) < TIER_ROWS:
        raw["tiers"] += _blank_tiers(TIER_ROWS - len(raw["tiers"]))
    return raw


def _variant_row(raw: dict) -> tuple[dict, list[str]]:
    """The service's variant row for one posted row, and what could not be read in it."""
    price, messages = _price(raw["price"])
    tiers, tier_messages = _tiers(raw["tiers"])
    values, number_messages = _whole_numbers(raw)
    vid = _int(raw["id"])
    row = {"id": vid if isinstance(vid, int) else None, "name": raw["name"], "unit": raw["unit"],
           "price_cents": price if price is not None else -1, "moq": values["moq"], "step": values["step"],
           "weight_grams": values["weight"], "tiers": tiers}
    if row["id"] is None:
        row["stock"] = values["stock"] or 0  # existing variants change stock through adjustments only
    return row, messages + tier_messages + number_messages


def _price(text: str) -> tuple[int | None, list[str]]:
    if not text:
        return None, [_("请填写单价")]
    try:
        return money.parse_amount(text), []
    except money.MoneyError as exc:
        return None, [str(exc)]


def _tiers(raw_tiers: list[dict]) -> tuple[list[tuple[int, int]], list[str]]:
    """(quantity, price) tiers; blank tier rows are skipped, half-filled ones refused."""
    tiers, messages = [], []
    for t in raw_tiers:
        if not t["qty"] and not t["price"]:
            continue
        q = _int(t["qty"])
        try:
            p = money.parse_amount(t["price"]) if t["price"] else None
        except money.MoneyError as exc:
            messages.append(str(exc))
            continue
        if q in (None, "invalid") or p is None:
            messages.append(_("每一档阶梯都要填写数量（整数）和单价"))
            continue
        tiers.append((q, p))
    return tiers, messages


def _whole_numbers(raw: dict) -> tuple[dict, list[str]]:
    """moq, step, stock and weight; a blank or unreadable one takes its default."""
    values, messages = {}, []
    for key, default in (("moq", 1), ("step", 1), ("stock", None), ("weight", None)):
        value = _int(raw[key], default)
        if value == "invalid":
            messages.append(_("“%(v)s”不是整数", v=raw[key][:20]))
            value = default
        values[key] = value
    return values, messages


def parse_attributes(text: str) -> tuple[list[list[str]], list[str]]:
    pairs, errors = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.replace("＝", "=").replace("：", "=").replace(":", "=").partition("=")
        if not sep or not key.strip() or not value.strip():
            errors.append(_("属性“%(line)s”应写成 名称=值", line=line[:40]))
            continue
        pairs.append([key.strip(), value.strip()])
    return pairs, errors


def attributes_text(pairs) -> str:
    return "\n".join(f"{k}={v}" for k, v in pairs or [])
