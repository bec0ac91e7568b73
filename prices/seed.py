"""Demo prices: about 30 local commodities with a year of daily prices (seasonal, with day-to-day
noise) at Shangqiu's central wholesale market and two county markets, the county markets quoting
per 斤 (converted to the standard 公斤 like any report). The reporter of the central market and the
agriculture officer are demo accounts (marketplace/seed_data.py). Bulk inserts; run again, only the
missing days are added. Then the platform's transaction prices of every day of the demo's paid
orders (prices/platform.py, as the daily job computes them; run again, the days are replaced), and
a few demo buyers' price alerts (prices/alert_seed.py)."""

from __future__ import annotations

import datetime as dt
import math
import random

import sqlalchemy as sa

from catalog.models import Category
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import grant_role
from marketplace.extensions import db
from marketplace.figures import site_zone
from marketplace.regions.models import Region, RegionLevel
from prices.alert_seed import seed_alerts
from prices.models import Commodity, Market, MarketCommodity, MarketKind, PriceObservation, PriceStatus
from prices.services import local_today

DAYS = 365
REPORTER_EMAIL = "reporter@demo.example"
OFFICER_EMAIL = "agri@demo.example"

#: Groups of the variety tree: (code, name, name_en, category code)
GROUPS = [
    ("veg", "蔬菜", "Vegetables", "agri.vegetables"),
    ("fruit", "水果", "Fruit", "agri.fruit"),
    ("grain", "粮油", "Grain and oil", "agri.grain_oil"),
    ("meat", "肉禽蛋", "Meat and eggs", "agri.meat_eggs"),
    ("spice", "干货调料", "Dried goods and spices", "agri.dried_spices"),
]
#: (code, name, name_en, group, average yuan per kg, seasonal swing, month of the highest price)
COMMODITIES = [
    ("chili-sanying", "朝天椒（三樱椒）", "Facing-heaven chili (Sanying)", "spice", 22.0, 0.18, 6),
    ("chili-fresh", "青尖椒", "Green chili", "veg", 5.2, 0.35, 1),
    ("garlic", "大蒜", "Garlic", "veg", 7.6, 0.15, 4),
    ("ginger", "生姜", "Ginger", "veg", 9.0, 0.12, 8),
    ("scallion", "大葱", "Scallion", "veg", 3.4, 0.30, 2),
    ("cabbage", "白菜", "Napa cabbage", "veg", 1.3, 0.45, 7),
    ("potato", "土豆", "Potato", "veg", 2.6, 0.20, 5),
    ("yam", "山药", "Chinese yam", "veg", 8.5, 0.15, 7),
    ("tomato", "西红柿", "Tomato", "veg", 4.4, 0.40, 1),
    ("cucumber", "黄瓜", "Cucumber", "veg", 3.8, 0.40, 1),
    ("eggplant", "茄子", "Aubergine", "veg", 3.9, 0.35, 2),
    ("radish", "白萝卜", "White radish", "veg", 1.5, 0.35, 7),
    ("carrot", "胡萝卜", "Carrot", "veg", 2.8, 0.20, 7),
    ("onion", "洋葱", "Onion", "veg", 2.4, 0.20, 4),
    ("pear-su", "酥梨", "Crisp pear", "fruit", 4.6, 0.25, 6),
    ("watermelon", "西瓜", "Watermelon", "fruit", 2.6, 0.50, 2),
    ("grape", "葡萄", "Grape", "fruit", 9.8, 0.30, 4),
    ("apple", "苹果", "Apple", "fruit", 7.2, 0.15, 7),
    ("peach", "桃", "Peach", "fruit", 6.5, 0.35, 4),
    ("wheat", "小麦", "Wheat", "grain", 2.62, 0.04, 5),
    ("corn", "玉米", "Maize", "grain", 2.28, 0.06, 7),
    ("peanut", "花生", "Peanut", "grain", 9.6, 0.08, 8),
    ("sesame", "芝麻", "Sesame", "grain", 19.5, 0.07, 8),
    ("soybean", "大豆", "Soybean", "grain", 4.9, 0.05, 8),
    ("mungbean", "绿豆", "Mung bean", "grain", 8.4, 0.06, 7),
    ("pork", "猪肉（白条）", "Pork (carcass)", "meat", 24.0, 0.10, 1),
    ("beef", "牛肉", "Beef", "meat", 68.0, 0.04, 1),
    ("mutton", "羊肉", "Mutton", "meat", 72.0, 0.08, 1),
    ("chicken", "白条鸡", "Chicken (dressed)", "meat", 16.0, 0.06, 1),
    ("egg", "鸡蛋", "Eggs", "meat", 8.6, 0.12, 8),
]
#: Words that find each commodity's products and order lines (prices/matching.py) beyond its name:
#: the catalogue's 三樱椒 is the chili of the price tree, 小麦粉 is not wheat, 酱牛肉 is not beef.
KEYWORDS = {
    "chili-sanying": "三樱椒,-粉,-种子,-酱", "chili-fresh": "青椒,尖椒,鲜椒", "tomato": "番茄",
    "pear-su": "-膏", "wheat": "-粉,-麸皮,-挂面,-馒头", "beef": "-酱", "mutton": "-垛子,-卤", "pork": "猪肉",
    "chicken": "-扒鸡", "egg": "-鸭蛋",
}
#: (name, name_en, operator, address, county, kind, latitude, longitude, unit, price factor, commodities)
MARKETS = [
    ("商丘农产品中心批发市场", "Shangqiu Central Agricultural Wholesale Market", "商丘农产品中心批发市场有限公司",
     "睢阳区神火大道与珠江路交叉口", "睢阳区", MarketKind.CENTRAL, "34.382000", "115.656000", "公斤", 1.0, None),
    ("柘城县辣椒大市场", "Zhecheng County Chili Market", "柘城县三樱椒产业协会",
     "柘城县起台镇 106 国道旁", "柘城县", MarketKind.COUNTY, None, None, "斤", 0.96,
     ("chili-sanying", "chili-fresh", "garlic", "scallion", "cabbage", "potato", "wheat", "corn", "peanut",
      "sesame", "pork", "egg")),
    ("宁陵县农贸批发市场", "Ningling County Farm Produce Market", "宁陵县供销合作社",
     "宁陵县城关镇长江路", "宁陵县", MarketKind.COUNTY, None, None, "斤", 0.97,
     ("pear-su", "watermelon", "grape", "apple", "garlic", "cabbage", "radish", "wheat", "corn", "peanut",
      "pork", "egg", "chicken")),
]


def _tree() -> dict[str, Commodity]:
    existing = {c.code: c for c in db.session.scalars(sa.select(Commodity))}
    categories = {c.code: c.id for c in db.session.scalars(sa.select(Category))}
    groups = {}
    for n, (code, name, name_en, category) in enumerate(GROUPS):
        groups[code] = existing.get(code) or Commodity(code=code, name=name, name_en=name_en, sort_order=n,
                                                       category_id=categories.get(category))
        db.session.add(groups[code])
    for n, (code, name, name_en, group, *_rest) in enumerate(COMMODITIES):
        if code not in existing:
            existing[code] = Commodity(code=code, name=name, name_en=name_en, parent=groups[group], unit="公斤",
                                       sort_order=100 + n, category_id=groups[group].category_id)
            db.session.add(existing[code])
        if not existing[code].keywords and KEYWORDS.get(code):  # an officer's words are kept
            existing[code].keywords = KEYWORDS[code]
    db.session.flush()
    return existing


def _markets(commodities: dict[str, Commodity]) -> list[tuple[Market, str, float]]:
    out = []
    for n, (name, name_en, operator, address, county, kind, lat, lon, unit, factor, codes) in enumerate(MARKETS):
        market = db.session.scalar(sa.select(Market).where(Market.name == name))
        if market is None:
            region = db.session.scalar(sa.select(Region).where(Region.name == county,
                                                               Region.level == RegionLevel.COUNTY))
            market = Market(name=name, name_en=name_en, operator=operator, address=address, kind=kind,
                            region=region, latitude=lat, longitude=lon, sort_order=n)
            for i, code in enumerate(codes or [c[0] for c in COMMODITIES]):
                market.usual.append(MarketCommodity(commodity=commodities[code], sort_order=i,
                                                    unit=None if unit == "公斤" else unit))
            db.session.add(market)
            db.session.flush()
        out.append((market, unit, factor))
    return out


def _price_rows(market: Market, unit: str, factor: float, commodity: Commodity, spec: tuple, days: list[dt.date],
                have: set) -> list[dict]:
    _code, _name, _en, _group, base, swing, peak = spec
    rng = random.Random(f"{market.name}/{commodity.code}")
    per_unit = 500 if unit == "斤" else 1000  # grams in the market's unit
    rows, drift = [], 0.0
    for day in days:
        drift = max(-0.12, min(0.12, drift * 0.92 + rng.gauss(0, 0.015)))
        if (commodity.id, day) in have:
            continue
        season = 1 + swing * math.cos(2 * math.pi * (day.timetuple().tm_yday - (peak - 0.5) * 30.4) / 365)
        std_avg = max(10, round(base * 100 * factor * season * (1 + drift)))  # fen per kg
        avg = max(5, round(std_avg * per_unit / 1000 / 5) * 5)  # the market's quote, to 5 fen
        low, high = max(1, round(avg * 0.88)), round(avg * 1.12)
        convert = lambda v: (v * 1000 * 2 + per_unit) // (2 * per_unit)  # noqa: E731
        rows.append({"commodity_id": commodity.id, "market_id": market.id, "day": day, "spec": "", "origin": "",
                     "unit": unit, "low_cents": low, "avg_cents": avg, "high_cents": high,
                     "std_low_cents": convert(low), "std_avg_cents": convert(avg), "std_high_cents": convert(high),
                     "source": "示范数据", "status": PriceStatus.PUBLISHED.value})
    return rows


def seed_demo(progress=None) -> dict:
    """Add the demo commodities, markets, a year of prices up to yesterday, and the reporter's grant."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 0:
        return {"skipped": "no regions loaded"}
    commodities = _tree()
    markets = _markets(commodities)
    yesterday = local_today() - dt.timedelta(days=1)
    days = [yesterday - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    specs = {c[0]: c for c in COMMODITIES}
    added = 0
    for market, unit, factor in markets:
        Obs = PriceObservation
        have = set(db.session.execute(sa.select(Obs.commodity_id, Obs.day).where(Obs.market_id == market.id,
                                                                              Obs.day >= days[0], Obs.spec == "")))
        rows = []
        for mc in market.usual:
            rows.extend(_price_rows(market, unit, factor, mc.commodity, specs[mc.commodity.code], days, have))
        if rows:
            db.session.execute(PriceObservation.__table__.insert(), rows)
            added += len(rows)
        if progress:
            progress(1)
    central = markets[0][0]
    reporter = db.session.scalar(sa.select(User).where(User.email == REPORTER_EMAIL))
    if reporter is not None:
        grant_role(reporter, Role.MARKET_REPORTER, scope=central)
    alerts = seed_alerts(central)
    return {"commodities": len(COMMODITIES), "markets": len(markets), "prices": added,
            "platform_rows": _platform(yesterday), "alerts": alerts}


def _platform(yesterday: dt.date) -> int:
    """The platform's transaction prices of every day of the demo's paid orders (the daily job's work)."""
    from orders.models import Order
    from prices.platform import compute_days

    first = db.session.scalar(sa.select(sa.func.min(Order.paid_at)))
    if first is None:
        return 0
    start = max(first.astimezone(site_zone()).date() if first.tzinfo else first.date(),
                yesterday - dt.timedelta(days=DAYS - 1))
    return compute_days(start, yesterday)
