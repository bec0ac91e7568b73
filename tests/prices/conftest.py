"""Fixtures for the prices tests: commodities and markets made directly, a reporter of one market,
the agriculture officer, and a helper that writes a published price for a past day."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.accounts.models import Role, UserRole
from marketplace.extensions import db as _db


@pytest.fixture
def make_commodity(app):
    from prices.models import Commodity

    def make(code: str = "garlic", name: str = "大蒜", name_en: str = "Garlic", unit: str = "公斤", **fields):
        commodity = Commodity(code=code, name=name, name_en=name_en, unit=unit, **fields)
        _db.session.add(commodity)
        _db.session.commit()
        return commodity

    return make


@pytest.fixture
def make_market(app):
    from prices.models import Market, MarketCommodity, MarketKind

    def make(name: str = "商丘农产品中心批发市场", commodities=(), kind=MarketKind.CENTRAL, **fields):
        market = Market(name=name, name_en=fields.pop("name_en", "Central Market"), kind=kind, **fields)
        for n, c in enumerate(commodities):
            market.usual.append(MarketCommodity(commodity=c, sort_order=n))
        _db.session.add(market)
        _db.session.commit()
        return market

    return make


@pytest.fixture
def make_reporter(make_user):
    def make(market, **kw):
        user = make_user(**kw)
        user.roles.append(UserRole(role=Role.MARKET_REPORTER, scope_type="market", scope_id=market.id))
        _db.session.commit()
        return user

    return make


@pytest.fixture
def officer(make_user):
    return make_user(roles=(Role.AGRICULTURE_OFFICER,), name="农业农村局 赵科长")


@pytest.fixture
def published(app):
    """Write a published observation directly (the days before the one under test)."""
    from prices.models import PriceObservation, PriceStatus

    def add(commodity, market, day: dt.date, avg: int, unit: str = "公斤", spec: str = "", low=None, high=None):
        low, high = low or avg, high or avg
        factor = 2 if unit == "斤" else 1
        obs = PriceObservation(commodity_id=commodity.id, market_id=market.id, day=day, spec=spec, unit=unit,
                               low_cents=low, avg_cents=avg, high_cents=high, std_low_cents=low * factor,
                               std_avg_cents=avg * factor, std_high_cents=high * factor, source="test",
                               status=PriceStatus.PUBLISHED)
        _db.session.add(obs)
        _db.session.commit()
        return obs

    return add


@pytest.fixture
def paid_line(app, make_user):
    """paid_line(product, quantity, unit_price, *, unit=None, weight=None, paid=<a moment>, status=PAID,
    order=None) -> the OrderLine of a paid order (rows written directly: the prices tests read them)."""
    from marketplace.db import utcnow
    from orders.models import Fulfilment, Order, OrderGroup, OrderLine, OrderStatus

    buyer = []
    counter = iter(range(1, 10_000))

    def add(product, quantity: int, unit_price: int, *, unit=None, weight=None, paid=None, status=None, order=None):
        if not buyer:
            buyer.append(make_user(email="platform-buyer@example.com"))
        variant = product.variants[0]
        moment = paid or utcnow()
        if order is None:
            n = next(counter)
            group = OrderGroup(buyer_id=buyer[0].id, idempotency_key=f"k{n}-{product.id}", expires_at=moment)
            order = Order(group=group, shop_id=product.shop_id, buyer_id=buyer[0].id, number=f"T{product.id}-{n}",
                          status=status or OrderStatus.PAID, fulfilment=Fulfilment.PICKUP, subtotal_cents=0, fee_cents=0,
                          total_cents=0, expires_at=moment, paid_at=moment)
            _db.session.add(order)
        line = OrderLine(order=order, variant_id=variant.id, product_id=product.id, product_title=product.title,
                         variant_name=variant.name, unit=unit or variant.unit, quantity=quantity,
                         unit_price_cents=unit_price, base_price_cents=unit_price, line_total_cents=quantity * unit_price,
                         weight_grams=variant.weight_grams if weight is None else weight)
        _db.session.add(line)
        _db.session.commit()
        return line

    return add
