"""Demo sourcing, through the real services: open requests from the demo's buyers (a restaurant's
朝天椒, a mill's wheat, pears, fertiliser), each delivered where shops selling that category
deliver, quotes from those shops (one revised), and one request awarded: its quote became an order.
Then supply posts for the coming harvests from the demo's shops (宁陵 pears in September, 柘城
三樱椒 in autumn, 夏邑 wheat after the June harvest, 民权 grapes, 睢县 shoes), one of them reserved by a
buyer (an invited request to that shop) and one asked about (a conversation with the shop's answer).
Runs once (nothing is made when any request exists)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from catalog.categories import find_category
from catalog.models import Product, ProductStatus
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail.services import muted
from marketplace.regions.services import county_of
from orders.addresses import addresses_of
from orders.models import Order
from sourcing import accept, matching, quotes
from sourcing import requests as service
from sourcing.errors import SourcingError
from sourcing.models import SourcingRequest

#: (category path, title, spec, quantity, unit, target price per unit in yuan or None, deadline in days)
STORIES = [
    ("农产品/蔬菜", "朝天椒", "干椒，色红、无霉变，含水量 12% 以下；分两批送到后厨", 5, "吨", "11000", 7),
    ("农产品/粮油", "小麦（新麦）", "国标二等以上，容重 770 g/L 以上，麦收后 20 天内交货", 200, "吨", "2600", 20),
    ("农产品/水果", "宁陵酥梨", "单果 250 g 以上，纸箱装，用于中秋礼盒", 2, "吨", None, 10),
    ("农资/肥料", "复合肥 15-15-15", "硫酸钾型，50 kg 袋装，送到村委会仓库", 10, "吨", "2900", 14),
]


def _buyers() -> list:
    """The demo's buyers who have ordered (they have addresses), in a stable order."""
    from marketplace.accounts.models import User

    ids = list(db.session.scalars(sa.select(Order.buyer_id).distinct().order_by(Order.buyer_id).limit(10)))
    return [db.session.get(User, i) for i in ids]


def _where(category) -> object | None:
    """A county where a shop listing this category (or one below) delivers: its home county."""
    product = db.session.scalar(sa.select(Product).where(
        Product.category_id.in_(matching.request_categories(category)), Product.status == ProductStatus.PUBLISHED,
        Product.deleted_at.is_(None)).order_by(Product.id).limit(1))
    if product is None or product.shop.region is None:
        return None
    return county_of(product.shop.region) or product.shop.region


def _post(buyer, story):
    path, title, spec, quantity, unit, target, days = story
    category = find_category(path)
    region = _where(category) if category is not None else None
    if region is None:
        return None
    today = utcnow().date()
    form = {"category": str(category.id), "title": title, "spec": spec, "quantity": str(quantity), "unit": unit,
            "target_price": target or "", "region": str(region.id),
            "quote_deadline": (today + dt.timedelta(days=days)).isoformat(),
            "deliver_until": (today + dt.timedelta(days=days + 14)).isoformat(), "max_quotes": "10",
            "visibility": "public", "invoice_needed": "1" if unit == "吨" and quantity >= 10 else ""}
    return service.post_request(buyer, form, region_values=[str(region.id)])


def _quote(req, shop, factor: float, revised: bool = False) -> None:
    base = int(req.target_price_cents or 800_000)
    price = max(1, int(base * factor))
    today = utcnow().date()
    terms = {"delivery_date": (today + dt.timedelta(days=5)).isoformat(),
             "valid_until": (today + dt.timedelta(days=12)).isoformat(), "freight": "300",
             "message": "本地货源，可先看样品；量大可再议价。"}
    line = {"name": req.title, "unit": req.unit, "quantity": str(req.quantity), "unit_price": f"{price / 100:.2f}"}
    quotes.submit_quote(req, shop, shop.members[0].user, terms, [line])
    if revised:
        line["unit_price"] = f"{int(price * 0.97) / 100:.2f}"
        quotes.submit_quote(req, shop, shop.members[0].user, terms, [line])


def seed_demo(progress=None) -> str:  # noqa: ARG001 - the seed runner's signature
    if db.session.scalar(sa.select(sa.func.count(SourcingRequest.id))):
        return "already there"
    buyers = _buyers()
    if not buyers:
        return "no buyers"
    made, quoted, awarded = 0, 0, 0
    with muted():  # the demo's past: its notices would have gone out then
        for n, story in enumerate(STORIES):
            buyer = buyers[n % len(buyers)]
            try:
                req = _post(buyer, story)
                if req is None:
                    continue
                made += 1
                for k, shop in enumerate([s for s in matching.matching_shops(req) if not s.members
                                          or s.members[0].user_id != buyer.id][:3]):
                    _quote(req, shop, (0.95, 1.02, 1.08)[k], revised=k == 0)
                    quoted += 1
                addresses = addresses_of(buyer)
                if n == 0 and quoted and addresses:
                    best = min(quotes_of(req), key=lambda q: q.total_cents)
                    accept.accept_quote(req, buyer, best.id, address_id=addresses[0].id)
                    awarded += 1
            except SourcingError:
                db.session.rollback()
                continue
        posts, reserved, talks = _seed_supply(buyers)
    return f"{made} requests, {quoted} quotes, {awarded} awarded, {posts} supply posts, {reserved} reserved, {talks} talks"


#: (shop slug, category path, title, spec, quantity, unit, (month, day) from, (month, day) until,
#:  origin (county, township, village or None), price range per unit in yuan)
SUPPLY = [
    ("ningling-jinding-suli", "农产品/水果", "宁陵金顶谢花酥梨", "单果 250 g 以上，皮薄汁多；纸箱或网套包装，可代发冷库", 80, "吨",
     (9, 1), (10, 31), ("宁陵县", "石桥镇", "梨花桥村"), ("3000", "4200")),
    ("zhecheng-lajiao-hezuoshe", "农产品/蔬菜", "柘城三樱椒（干椒）", "色红、无霉变，含水量 14% 以下；统货或按长度分级", 50, "吨",
     (9, 20), (12, 31), ("柘城县", "起台镇", None), ("16000", "19000")),
    ("xiayi-fengshou-nongzi", "农产品/粮油", "夏邑新小麦", "麦收后集中收购的本地新麦，国标二等以上，可整车发面粉厂", 200, "吨",
     (6, 5), (7, 31), ("夏邑县", "会亭镇", None), ("2400", "2700")),
    ("minquan-putaojiu", "农产品/水果", "民权巨峰葡萄", "自有葡萄园鲜食葡萄，穗重 500 g 左右，筐装", 30, "吨",
     (8, 1), (9, 30), ("民权县", "北关镇", None), ("4000", "6000")),
    ("suixian-xieye", "工业品/纺织鞋服", "女士单鞋（秋冬款，可贴牌）", "真皮面料，35–40 码，起订 500 双，可按样打版", 20000, "双",
     (1, 10), (3, 31), ("睢县", None, None), ("45", "60")),
]


def _next_window(today: dt.date, start: tuple[int, int], end: tuple[int, int]) -> tuple[dt.date, dt.date]:
    """This year's window, or next year's when this year's has ended."""
    year = today.year
    if dt.date(year, *end) < today:
        year += 1
    return dt.date(year, *start), dt.date(year, *end)


def _origin(county_name: str, town: str | None, village: str | None):
    from marketplace.regions.models import Region, RegionLevel

    county = db.session.scalar(sa.select(Region).where(Region.name == county_name, Region.level == RegionLevel.COUNTY,
                                                       Region.code.like("4114%")))
    place = county
    for name, level in ((town, RegionLevel.TOWNSHIP), (village, RegionLevel.VILLAGE)):
        if name and place is not None:
            below = db.session.scalar(sa.select(Region).where(Region.parent_id == place.id, Region.name == name,
                                                              Region.level == level))
            place = below or place
    return place


def _seed_supply(buyers) -> tuple[int, int, int]:
    from marketplace.shops.models import Shop
    from messages import services as messages
    from messages.models import Side
    from sourcing import supply
    from sourcing.supply_models import SupplyPost

    if db.session.scalar(sa.select(sa.func.count(SupplyPost.id))):
        return 0, 0, 0
    today = utcnow().date()
    posts = []
    for slug, path, title, spec, quantity, unit, start, end, place, (low, high) in SUPPLY:
        shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug))
        category = find_category(path)
        origin = _origin(*place)
        if shop is None or category is None or origin is None or not shop.members:
            continue
        first, last = _next_window(today, start, end)
        product = db.session.scalar(sa.select(Product.id).where(
            Product.shop_id == shop.id, Product.category_id == category.id, Product.deleted_at.is_(None))
            .order_by(Product.id).limit(1))
        form = {"category": str(category.id), "title": title, "spec": spec, "quantity": str(quantity), "unit": unit,
                "product": str(product or ""), "region": str(origin.id), "available_from": first.isoformat(),
                "available_until": last.isoformat(), "price_min": low, "price_max": high}
        try:
            posts.append(supply.post_supply(shop, shop.members[0].user, form))
        except SourcingError:
            db.session.rollback()
    reserved = talks = 0
    strangers = [b for b in buyers if posts and not supply.is_member(b, posts[0].shop_id)]
    if posts and strangers:
        pear = posts[0]
        addresses = addresses_of(strangers[0])
        region = addresses[0].region_id if addresses else pear.region_id
        try:
            supply.reserve(pear, strangers[0], {"quantity": "5", "region": str(region),
                                                "spec": "中秋礼盒用，单果 300 g 以上，9 月 10 日前到货"})
            reserved = 1
        except SourcingError:
            db.session.rollback()
    if len(posts) > 1 and len(strangers) > 1:
        chili = posts[1]
        buyer = strangers[1]
        conversation, _created = messages.start(buyer, "supply", chili.id, chili.shop_id,
                                                text="今年的三樱椒 10 月能供 8 吨吗？要色红、无白籽的。")
        messages.send(conversation, chili.shop.members[0].user, Side.SHOP,
                      text="可以，10 月中旬新椒下来，先给您寄样品看看。")
        talks = 1
    return len(posts), reserved, talks


def quotes_of(req) -> list:
    from sourcing.models import Quote

    return list(db.session.scalars(sa.select(Quote).where(Quote.request_id == req.id)))
