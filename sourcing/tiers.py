"""Price tiers on a quote line (optional): from ``min_quantity`` units on, each unit costs
``unit_price_cents``. The line's own unit price applies below the first tier; the tiers ascend in
quantity and never rise in price (the catalogue's rule, catalog.pricing.validate_tiers), and none
starts above the quantity quoted (the buyer never accepts more than that). The price of a quantity
is always computed here, on the server, from the stored line.

Stored as a JSON list on the line (``[{"min_quantity": 10, "unit_price_cents": 1100000}, ...]``):
at most MAX_TIERS small pairs that are always read with their line, never queried on their own,
replaced with the line when a quote is revised and copied whole into the revision snapshot, so a
child table would add a query (or a join) to every page that shows a quote and buy nothing."""

from __future__ import annotations

from flask_babel import gettext as _

from catalog.pricing import validate_tiers
from catalog.units import grams_per_unit
from sourcing import parsing as p
from sourcing.errors import SourcingError

MAX_TIERS = 5


def read_tiers(raw, *, base_price: int, quantity: int) -> list[dict]:
    """The tiers of one line from ``[{"min_quantity", "unit_price"}]`` (blank rows skipped), checked."""
    if raw in (None, "", ()):
        return []
    if not isinstance(raw, list | tuple):
        raise SourcingError(_("阶梯价格式不正确"), field="lines")
    rows = [row for row in raw if isinstance(row, dict) and any(str(v or "").strip() for v in row.values())]
    if len(rows) > MAX_TIERS:
        raise SourcingError(_("每行最多 %(n)d 档阶梯价", n=MAX_TIERS), field="lines")
    pairs = []
    for row in rows:
        low = p.whole(row.get("min_quantity"), field="lines", low=2)
        price = p.cents(row.get("unit_price"), field="lines", required=True)
        if low > quantity:
            raise SourcingError(_("阶梯起订数量 %(q)d 超过了报价数量 %(n)d", q=low, n=quantity), field="lines")
        pairs.append((low, price))
    errors = validate_tiers(base_price, pairs)
    if errors:
        raise SourcingError(errors[0], field="lines")
    return [{"min_quantity": low, "unit_price_cents": price} for low, price in pairs]


def price_at(line, quantity: int) -> tuple[int, int | None]:
    """(unit price, the tier's minimum quantity or None) for buying ``quantity`` units of ``line``
    (a QuoteLine or a dict with unit_price_cents and tiers)."""
    base = line["unit_price_cents"] if isinstance(line, dict) else line.unit_price_cents
    tiers = (line.get("tiers") if isinstance(line, dict) else line.tiers) or []
    price, applied = base, None
    for tier in sorted(tiers, key=lambda t: t["min_quantity"]):
        if quantity >= tier["min_quantity"]:
            price, applied = tier["unit_price_cents"], tier["min_quantity"]
    return price, applied


def per_kg(price_cents: int, unit: str, weight_grams: int | None) -> int | None:
    """A unit price per kilogram, where the unit (or the variant's weight) converts."""
    grams = grams_per_unit(unit, weight_grams)
    if not grams:
        return None
    return (price_cents * 1000 + grams // 2) // grams


def tier_rows(line) -> list[dict]:
    """The line's tiers for a page or the API, each with its price per kg where it converts."""
    return [{**tier, "price_per_kg_cents": per_kg(tier["unit_price_cents"], line.unit, line.weight_grams)}
            for tier in sorted(line.tiers or [], key=lambda t: t["min_quantity"])]
