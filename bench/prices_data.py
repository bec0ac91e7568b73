"""Price data at scale for bench/prices.py and the statement-budget tests (tests/prices/test_prices_budget.py):
``commodities`` commodities in ``markets`` markets with a published price every day for ``days`` days
up to ``today``, seasonal with noise, and the platform's transaction price of every commodity every
day. Bulk inserts (a year of 50 x 5 is 91,250 rows): seconds, not minutes."""

from __future__ import annotations

import datetime as dt
import math
import random


def build(db, *, commodities: int, markets: int, days: int, prefix: str, today: dt.date,
          category_id: int | None = None) -> tuple[list[str], list[int]]:
    """Write the rows; (the commodities' codes, the markets' ids)."""
    import sqlalchemy as sa

    from prices.models import Commodity, Market, MarketKind, PriceObservation, PriceStatus
    from prices.platform_models import PlatformPrice

    rng = random.Random(prefix)
    items = [Commodity(code=f"{prefix}-c{i}", name=f"品种{prefix}{i}", name_en=f"Item {prefix}{i}", unit="公斤",
                       category_id=category_id, sort_order=i) for i in range(commodities)]
    places = [Market(name=f"市场{prefix}{m}", name_en=f"Market {prefix}{m}", sort_order=m,
                     kind=MarketKind.CENTRAL if m == 0 else MarketKind.COUNTY) for m in range(markets)]
    db.session.add_all(items + places)
    db.session.flush()
    rows, platform = [], []
    first = today - dt.timedelta(days=days - 1)
    for c in items:
        base = rng.randint(100, 5000)
        for d in range(days):
            day = first + dt.timedelta(days=d)
            season = 1 + 0.2 * math.sin(2 * math.pi * d / 365)
            for m in places:
                avg = max(10, round(base * season * (1 + rng.gauss(0, 0.03)) * (1 + 0.02 * m.sort_order)))
                low, high = round(avg * 0.9), round(avg * 1.1)
                rows.append({"commodity_id": c.id, "market_id": m.id, "day": day, "spec": "", "origin": "",
                             "unit": "公斤", "low_cents": low, "avg_cents": avg, "high_cents": high,
                             "std_low_cents": low, "std_avg_cents": avg, "std_high_cents": high, "source": "bench",
                             "status": PriceStatus.PUBLISHED.value})
            own = round(base * season * 1.05)
            platform.append({"commodity_id": c.id, "day": day, "avg_cents": own, "low_cents": round(own * 0.9),
                             "high_cents": round(own * 1.2), "volume": rng.randint(10, 5000), "order_count": 3,
                             "line_count": 5, "lines_left_out": rng.randint(0, 1)})
            if len(rows) >= 20_000:
                db.session.execute(sa.insert(PriceObservation), rows)
                rows = []
    if rows:
        db.session.execute(sa.insert(PriceObservation), rows)
    if platform:
        db.session.execute(sa.insert(PlatformPrice), platform)
    db.session.commit()
    return [c.code for c in items], [m.id for m in places]
