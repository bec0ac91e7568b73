"""Demo sourcing, through the real services: open requests from the demo's buyers (a restaurant's
朝天椒, a mill's wheat, pears, fertiliser), each delivered where shops selling that category
deliver, quotes from those shops (one revised), and one request awarded: its quote became an order.
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
    return f"{made} requests, {quoted} quotes, {awarded} awarded"


def quotes_of(req) -> list:
    from sourcing.models import Quote

    return list(db.session.scalars(sa.select(Quote).where(Quote.request_id == req.id)))
