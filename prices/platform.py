"""The platform's own transaction prices: per commodity and local day, from paid orders.

Which lines: the order was paid that local day (``Order.paid_at`` in Asia/Shanghai: online, offline
or at handover) and did not end unsold (cancelled or expired orders are left out; a refund after
delivery is not subtracted). Which commodity: prices/matching.py on the line's product title (the
snapshot) and the product's category. How much: the line's quantity in the commodity's standard
unit through the one unit table (a weight unit, or the variant's weight per unit kept on the line:
a 10 kg 箱 is 10 公斤; another kind converts by its factor; the same unit as is), priced at the
line's total. The day's average is total paid / total quantity (volume-weighted); low and high are
the cheapest and dearest line per standard unit. A line that cannot be converted (a 个 with no
weight, when the standard unit is 公斤) is left out of the figures and counted (``lines_left_out``).

``compute_day`` replaces the day's rows in one transaction (delete, insert; unique on commodity and
day), so running a day again, by the daily job or by hand, never duplicates it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa

from catalog.models import Product, UnitKind
from catalog.units import grams_per_unit, unit_table
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.figures import site_zone
from prices.matching import Matcher, load_matcher
from prices.platform_models import PlatformPrice
from prices.services import local_today

#: How many days before today each daily run computes again (late cancellations change a day).
RECOMPUTE_DAYS = 3


def std_quantity(unit: str, weight_grams: int | None, quantity: int, std_code: str) -> Fraction | None:
    """``quantity`` of ``unit`` in the standard unit ``std_code``, or None when it does not convert."""
    table = unit_table()
    std = table.get(std_code)
    if std is None or quantity <= 0:
        return None
    if unit == std.code:
        return Fraction(quantity)
    if std.kind == UnitKind.WEIGHT and std.factor:
        grams = grams_per_unit(unit, weight_grams)
        return Fraction(quantity * grams, std.factor) if grams else None
    info = table.get(unit)
    if info is not None and info.kind == std.kind and info.factor and std.factor:
        return Fraction(quantity * info.factor, std.factor)
    return None


def _round(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)  # half up (prices are positive)


@dataclass
class _Tally:
    paid: int = 0
    quantity: Fraction = Fraction(0)
    low: Fraction | None = None
    high: Fraction | None = None
    orders: set = field(default_factory=set)
    lines: int = 0
    left_out: int = 0

    def add(self, order_id: int, total: int, qty: Fraction | None) -> None:
        if qty is None or qty <= 0 or total <= 0:
            self.left_out += 1
            return
        per = Fraction(total) / qty
        self.paid += total
        self.quantity += qty
        self.low = per if self.low is None else min(self.low, per)
        self.high = per if self.high is None else max(self.high, per)
        self.orders.add(order_id)
        self.lines += 1

    def row(self, commodity_id: int, day: dt.date) -> dict:
        # at least a fen: a price under half a fen per standard unit would break low > 0 (the table's CHECK)
        avg = max(1, _round(Fraction(self.paid) / self.quantity)) if self.quantity else None
        low = max(1, min(_round(self.low), avg)) if avg is not None else None
        high = max(_round(self.high), avg) if avg is not None else None
        volume = Decimal(self.quantity.numerator) / Decimal(self.quantity.denominator) if self.quantity else Decimal(0)
        return {"commodity_id": commodity_id, "day": day, "avg_cents": avg, "low_cents": low, "high_cents": high,
                "volume": volume.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), "order_count": len(self.orders),
                "line_count": self.lines, "lines_left_out": self.left_out}


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as UTC instants [start, end)."""
    zone = site_zone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def tally_day(day: dt.date, matcher: Matcher) -> dict[int, _Tally]:
    """The day's paid lines per commodity (one statement)."""
    from orders.models import Order, OrderLine, OrderStatus

    start, end = day_bounds(day)
    rows = db.session.execute(
        sa.select(OrderLine.order_id, OrderLine.product_title, OrderLine.unit, OrderLine.quantity,
                  OrderLine.weight_grams, OrderLine.line_total_cents, Product.category_id)
        .join(Order, Order.id == OrderLine.order_id).outerjoin(Product, Product.id == OrderLine.product_id)
        .where(Order.paid_at >= start, Order.paid_at < end,
               Order.status.not_in((OrderStatus.CANCELLED, OrderStatus.EXPIRED))))
    tallies: dict[int, _Tally] = {}
    for order_id, title, unit, quantity, weight, total, category_id in rows:
        entry = matcher.match(title, category_id)
        if entry is None:
            continue
        tallies.setdefault(entry.id, _Tally()).add(order_id, total, std_quantity(unit, weight, quantity, entry.unit))
    return tallies


def compute_day(day: dt.date, matcher: Matcher | None = None) -> int:
    """Replace ``day``'s platform prices with what its paid orders say; how many commodities have a row."""
    matcher = matcher or load_matcher()
    tallies = tally_day(day, matcher)
    rows = [t.row(cid, day) for cid, t in sorted(tallies.items())]
    with atomic():
        db.session.execute(sa.delete(PlatformPrice).where(PlatformPrice.day == day))
        if rows:
            db.session.execute(sa.insert(PlatformPrice), rows)
    return len(rows)


def compute_days(first: dt.date, last: dt.date) -> int:
    """Every day from ``first`` to ``last`` (one matcher for all); rows written."""
    matcher, written, day = load_matcher(), 0, first
    while day <= last:
        written += compute_day(day, matcher)
        day += dt.timedelta(days=1)
    return written


def platform_prices_job(day: str | None = None, days: int = RECOMPUTE_DAYS) -> dict:
    """The daily job (``prices.platform_daily``): yesterday and the ``days`` - 1 days before it, or
    the one ``day`` given (ISO date), e.g. ``flask jobs run prices.platform_daily --kwargs '{"day": "2026-12-01"}'``."""
    if day:
        first = last = dt.date.fromisoformat(day)
    else:
        last = local_today() - dt.timedelta(days=1)
        first = last - dt.timedelta(days=max(1, int(days)) - 1)
    if last > local_today():
        raise ValueError("a day in the future has no paid orders yet")
    return {"from": first.isoformat(), "to": last.isoformat(), "rows": compute_days(first, last)}
