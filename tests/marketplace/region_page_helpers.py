"""Helpers for the region-page tests: regions by name, a clerk, a published price written directly."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from marketplace.accounts.models import Role, UserRole
from marketplace.extensions import db
from marketplace.regions.models import Region


def region(name: str, parent_name: str | None = None) -> Region:
    """The city's region called ``name`` (under ``parent_name`` when the name is not unique)."""
    stmt = sa.select(Region).where(Region.name == name, Region.code.like("4114%"))
    if parent_name:
        parent = sa.orm.aliased(Region)
        stmt = stmt.join(parent, parent.id == Region.parent_id).where(parent.name == parent_name)
    return db.session.scalars(stmt.order_by(Region.code)).first()


def grant_clerk(user, place: Region) -> None:
    db.session.add(UserRole(user_id=user.id, role=Role.VILLAGE_CLERK, scope_type="region", scope_id=place.id))
    db.session.commit()


def image_bytes(fmt: str = "PNG", size=(96, 64), colour=(200, 40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def price(code: str, name: str, market_name: str, avg_cents: int, place: Region | None = None) -> None:
    """A commodity (made once), a market (made once) and today's published price of it there."""
    from prices.models import Commodity, Market, PriceObservation, PriceStatus
    from prices.services import local_today

    commodity = db.session.scalar(sa.select(Commodity).where(Commodity.code == code))
    if commodity is None:
        commodity = Commodity(code=code, name=name, name_en=code.title(), unit="公斤")
        db.session.add(commodity)
    market = db.session.scalar(sa.select(Market).where(Market.name == market_name))
    if market is None:
        market = Market(name=market_name, name_en=market_name, region_id=place.id if place else None)
        db.session.add(market)
    db.session.flush()
    low, high = avg_cents - 50, avg_cents + 50
    db.session.add(PriceObservation(commodity_id=commodity.id, market_id=market.id, day=local_today() - dt.timedelta(days=0),
                                    unit="公斤", low_cents=low, avg_cents=avg_cents, high_cents=high,
                                    std_low_cents=low, std_avg_cents=avg_cents, std_high_cents=high,
                                    status=PriceStatus.PUBLISHED, source="测试"))
    db.session.commit()


def supply_post(shop, place: Region, title: str):
    """An open supply post of ``shop`` from ``place``, written directly."""
    from catalog.models import Category
    from sourcing.supply_models import SupplyPost, SupplyStatus

    category = db.session.scalar(sa.select(Category).limit(1))
    if category is None:
        category = Category(code="test.supply", name="测试", path="测试/供应")
        db.session.add(category)
        db.session.flush()
    today = dt.date.today()
    post = SupplyPost(shop_id=shop.id, category_id=category.id, title=title, quantity=100, unit="公斤",
                      available_from=today, available_until=today + dt.timedelta(days=30), region_id=place.id,
                      status=SupplyStatus.OPEN)
    db.session.add(post)
    db.session.commit()
    return post
