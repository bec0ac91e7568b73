"""Wholesale pricing: the tier ladder, quantity rules (MOQ, step, stock) and prices per kg and per 斤.

All amounts are integer minor units; quantities are whole units. Functions take a Variant, or any
object with the same attributes (price_cents, tiers, moq, step, stock, unit, weight_grams).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from catalog.units import JIN_GRAMS, KG_GRAMS, grams_per_unit, unit_name
from marketplace import money
from marketplace.errors import DomainError

#: Largest quantity a buyer may ask for in one line (stops absurd numbers early).
MAX_QUANTITY = 10_000_000


class QuantityError(DomainError):
    """A quantity breaks a variant's rules; the message is user-facing and says what would work."""

    code = "invalid_quantity"


def ladder(variant) -> list[tuple[int, int]]:
    """The full price ladder as (from quantity, unit price), starting with (1, base price)."""
    steps = [(1, variant.price_cents)]
    for tier in sorted(variant.tiers, key=lambda t: t.min_quantity):
        steps.append((tier.min_quantity, tier.unit_price_cents))
    return steps


def unit_price(variant, quantity: int) -> int:
    """The unit price for buying ``quantity`` units: the last tier whose threshold is reached."""
    price = variant.price_cents
    for min_quantity, tier_price in ladder(variant):
        if quantity >= min_quantity:
            price = tier_price
        else:
            break
    return price


def line_total(variant, quantity: int) -> int:
    return money.multiply(unit_price(variant, quantity), quantity)


def validate_quantity(variant, quantity, *, check_stock: bool = True) -> int:
    """Return the quantity as an int, or raise QuantityError saying what the buyer may order."""
    unit = variant.unit
    try:
        qty = int(str(quantity).strip())
    except (TypeError, ValueError):
        raise QuantityError(_("数量必须是整数")) from None
    if qty < 1:
        raise QuantityError(_("数量至少为 1"))
    if qty > MAX_QUANTITY:
        raise QuantityError(_("数量过大"))
    if qty < variant.moq:
        raise QuantityError(_("起批量为 %(moq)d %(unit)s，请至少订购 %(moq)d %(unit)s", moq=variant.moq,
                              unit=unit_name(unit)))
    if variant.step > 1 and (qty - variant.moq) % variant.step:
        below = qty - (qty - variant.moq) % variant.step
        above = below + variant.step
        raise QuantityError(_("须按 %(step)d %(unit)s 递增（从 %(moq)d 起）：可订 %(below)d 或 %(above)d %(unit)s",
                              step=variant.step, unit=unit_name(unit), moq=variant.moq, below=below, above=above))
    if check_stock and qty > variant.stock:
        if variant.stock < variant.moq:
            raise QuantityError(_("库存不足：暂时缺货"))
        raise QuantityError(_("库存不足：最多可订 %(n)d %(unit)s", n=max_orderable(variant), unit=unit_name(unit)))
    return qty


def max_orderable(variant) -> int:
    """The largest valid quantity the stock allows (0 when not even the MOQ is in stock)."""
    if variant.stock < variant.moq:
        return 0
    return variant.moq + (variant.stock - variant.moq) // variant.step * variant.step


def round_up_to_step(variant, quantity: int) -> int:
    """The smallest valid quantity (MOQ and step) at or above ``quantity``."""
    if quantity <= variant.moq:
        return variant.moq
    extra = quantity - variant.moq
    return variant.moq + -(-extra // variant.step) * variant.step


@dataclass(frozen=True)
class TierHint:
    """'Order N more to pay X per unit': the next cheaper tier reachable from a quantity."""

    more: int  #: units to add (already rounded to the order step)
    quantity: int  #: the resulting quantity
    unit_price_cents: int
    unit: str

    @property
    def message(self) -> str:
        return _("再订 %(more)d %(unit)s（共 %(qty)d %(unit)s），单价降至 %(price)s",
                 more=self.more, qty=self.quantity, unit=unit_name(self.unit), price=_format(self.unit_price_cents))


def _format(cents: int) -> str:
    from marketplace.templating import money_filter

    return money_filter(cents)


def next_tier_hint(variant, quantity: int) -> TierHint | None:
    """The next tier above ``quantity`` with a lower unit price, or None at the top of the ladder."""
    current = unit_price(variant, quantity)
    for min_quantity, tier_price in ladder(variant):
        if min_quantity > quantity and tier_price < current:
            target = round_up_to_step(variant, min_quantity)
            return TierHint(more=target - quantity, quantity=target, unit_price_cents=unit_price(variant, target),
                            unit=variant.unit)
    return None


def _div_round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def price_per_grams(variant, grams: int, unit_price_cents: int | None = None) -> int | None:
    """Price of ``grams`` of the variant in minor units (rounded half up), when its unit's weight is
    known: a weight unit (the unit table's factor) or the variant's net weight per unit."""
    per_unit = grams_per_unit(variant.unit, variant.weight_grams)
    if not per_unit:
        return None
    cents = variant.price_cents if unit_price_cents is None else unit_price_cents
    return _div_round_half_up(money.multiply(cents, grams), per_unit)


def price_per_kg(variant, unit_price_cents: int | None = None) -> int | None:
    """Price of one kilogram in minor units (rounded half up), when the unit's weight is known."""
    return price_per_grams(variant, KG_GRAMS, unit_price_cents)


def price_per_jin(variant, unit_price_cents: int | None = None) -> int | None:
    """Price of one 斤 (500 g), the weight Chinese markets quote, when the unit's weight is known."""
    return price_per_grams(variant, JIN_GRAMS, unit_price_cents)


def jin_from_kg(per_kg_cents: int | None) -> int | None:
    """Per 斤 from a stored price per kg (the cards' denormalised figure), rounded half up."""
    return None if per_kg_cents is None else _div_round_half_up(per_kg_cents * JIN_GRAMS, KG_GRAMS)


def weight_prices(variant, unit_price_cents: int | None = None) -> dict[str, int]:
    """What the product page shows beside a price: {'kg': cents, 'jin': cents}, leaving out the
    figure that is the unit itself (no "per kg" beside a price per kg); empty when no weight is known."""
    per_unit = grams_per_unit(variant.unit, variant.weight_grams)
    if not per_unit:
        return {}
    figures = {"kg": price_per_kg(variant, unit_price_cents), "jin": price_per_jin(variant, unit_price_cents)}
    return {k: v for k, v in figures.items() if per_unit != {"kg": KG_GRAMS, "jin": JIN_GRAMS}[k]}


def validate_tiers(base_price_cents: int, tiers: list[tuple[int, int]]) -> list[str]:
    """Messages for a tier ladder that is not ascending in quantity and not falling in price."""
    errors: list[str] = []
    previous_qty, previous_price = 1, base_price_cents
    seen = set()
    for qty, price in tiers:
        if qty <= 1:
            errors.append(_("阶梯起订数量必须大于 1（第一档就是基础单价）"))
        elif qty in seen:
            errors.append(_("阶梯数量 %(q)d 重复了", q=qty))
        elif qty < previous_qty:
            errors.append(_("阶梯必须按数量从小到大排列"))
        if price < 0:
            errors.append(_("阶梯单价不能为负数"))
        elif price > previous_price:
            errors.append(_("买得越多单价应越低：%(q)d 起的单价不能高于前一档", q=qty))
        seen.add(qty)
        previous_qty, previous_price = max(previous_qty, qty), min(previous_price, price)
    return errors
