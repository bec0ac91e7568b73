"""Money: integer minor units (fen for CNY) everywhere; parsing, arithmetic and formatting here only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision

from marketplace.errors import DomainError

#: Largest amount accepted from a user in minor units (10^12 yuan is far beyond any order).
MAX_CENTS = 10**14


class MoneyError(DomainError):
    """A money amount could not be read; the message is user-facing."""

    status = 422
    code = "invalid_amount"


def minor_digits(currency: str) -> int:
    return get_currency_precision(currency)


def parse_amount(text: str | int | Decimal, currency: str = "CNY") -> int:
    """Read '12.50' (major units, as people write prices) into minor units (1250).

    Refuses negatives, more decimals than the currency has, non-numbers and absurd sizes.
    """
    from flask_babel import gettext as _

    try:
        value = Decimal(str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", ""))
    except (InvalidOperation, ValueError):
        raise MoneyError(_("金额格式不正确：%(value)s", value=str(text)[:40])) from None
    if not value.is_finite():
        raise MoneyError(_("金额格式不正确：%(value)s", value=str(text)[:40]))
    digits = minor_digits(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise MoneyError(_("金额最多保留 %(n)d 位小数", n=digits))
    if value < 0:
        raise MoneyError(_("金额不能为负数"))
    cents = int(scaled)
    if cents > MAX_CENTS:
        raise MoneyError(_("金额过大"))
    return cents


def to_major(cents: int, currency: str = "CNY") -> Decimal:
    """Minor units to a Decimal in major units (for display and CSV export only)."""
    return Decimal(cents).scaleb(-minor_digits(currency))


def format_cents(cents: int, currency: str = "CNY", locale: str = "zh_CN") -> str:
    """Locale-aware display, e.g. ¥12.50."""
    return format_currency(to_major(cents, currency), currency, locale=_locale(locale))


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    # Babel parses the locale name on every call (about 1 ms each): a page of 24 prices felt it.
    return Locale.parse(code)


def format_plain(cents: int, currency: str = "CNY") -> str:
    """'12.50': the CSV and form representation."""
    digits = minor_digits(currency)
    return f"{to_major(cents, currency):.{digits}f}"


def multiply(unit_cents: int, quantity: int) -> int:
    """Line total; quantities are whole numbers so this stays exact."""
    return unit_cents * quantity


def percent_of(cents: int, rate_basis_points: int) -> int:
    """A rate in basis points (1/100 of a percent) of an amount, rounded half up to a minor unit."""
    exact = Decimal(cents) * Decimal(rate_basis_points) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(total_cents: int, weights: list[int]) -> list[int]:
    """Split an amount in proportion to weights so that the parts sum exactly to the total."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        parts = [0] * len(weights)
        parts[0] = total_cents
        return parts
    parts = [total_cents * w // weight_sum for w in weights]
    remainder = total_cents - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (total_cents * weights[i]) % weight_sum, reverse=True)
    for i in order[:remainder]:
        parts[i] += 1
    return parts


def prorate(unit_cents: int, part: int, whole: int) -> int:
    """``unit_cents * part / whole`` rounded half up (away from zero) to a minor unit: the price of a
    weighed difference (part grams of a unit of ``whole`` grams). Signed like ``part``."""
    if whole <= 0:
        raise ValueError("whole must be positive")
    exact = Decimal(unit_cents) * Decimal(abs(part)) / Decimal(whole)
    value = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -value if part < 0 else value
