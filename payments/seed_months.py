"""What happens once a month in the demo's history (payments.seed_history): last month's credit
statements are issued on the 1st and paid by transfer some days later, and the admin settles each
shop's balance with the platform (paying out what it is owed from online sales, collecting the
commission on what it took itself)."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import sqlalchemy as sa
from flask import current_app

from marketplace.db import at_time
from marketplace.extensions import db
from orders.terms_models import Statement, StatementStatus
from payments import credit, payouts
from payments.models import Account, LedgerEntry
from payments.seed_flows import owner_of_shop
from payments.seed_terms import RESTAURANT

#: Monthly credit (月结): buyer -> (shop, company, first 17 characters of its 统一社会信用代码, limit in
#: yuan, term in days, pays on time). The flour mill's food factory pays each statement some days
#: after it is issued; the restaurant lets the dried-goods stall's statement run overdue.
CREDIT = {"factory@demo.example": ("yongcheng-mianfen", "永城市豫香食品有限公司", "91411481MA9FX7K2T", "300000", "30", True),
          RESTAURANT[0]: ("nongchanpin-ganhuo-c016", RESTAURANT[1], RESTAURANT[2], "20000", "15", False)}


def _month_starts(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    zone = zoneinfo.ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    local = start.astimezone(zone)
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out = []
    while True:
        month = (month + dt.timedelta(days=32)).replace(day=1)
        if month > end:
            return out
        out.append(month)


def balance_until(shop_id: int, moment: dt.datetime) -> int:
    """What the platform owed the shop at ``moment`` (negative: the shop owed the platform)."""
    return -(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.shop_id == shop_id, LedgerEntry.account == Account.PAYABLE, LedgerEntry.created_at <= moment)) or 0)


def _issue(moment: dt.datetime) -> None:
    with at_time(moment):
        credit.issue_and_age(moment)


def _pay_statements(world, moment: dt.datetime, period: str) -> None:
    """Buyers who pay on time pay last month's statement by transfer; the shop confirms it."""
    for login, (slug, *_rest, on_time) in CREDIT.items():
        buyer, shop = world.buyers.get(login), world.shops.get(slug)
        if buyer is None or shop is None or not on_time:
            continue
        for statement in db.session.scalars(sa.select(Statement).where(
                Statement.period == period, Statement.status == StatementStatus.ISSUED, Statement.shop_id == shop.id,
                Statement.buyer_id == buyer.id).order_by(Statement.id)).all():
            with at_time(moment):
                credit.confirm_paid(statement, owner_of_shop(statement.shop))


def grant_credit(world, start: dt.datetime) -> None:
    """The credit lines, granted before the period starts."""
    from marketplace.uscc import check_character

    for login, (slug, company, first17, limit, days, _on_time) in CREDIT.items():
        buyer, shop = world.buyers.get(login), world.shops.get(slug)
        if buyer is None or shop is None:
            continue
        code = first17 + check_character(first17)
        with at_time(start - dt.timedelta(days=3)):
            credit.save_profile(buyer, company, code)
            credit.grant_credit(shop, owner_of_shop(shop), code, limit, days)


def credit_shop(world, buyer, moment: dt.datetime) -> str | None:
    """The shop that gives ``buyer`` credit, unless a statement of his there is overdue."""
    slug = CREDIT.get(buyer.email or "", (None,))[0]
    shop = world.shops.get(slug) if slug else None
    if shop is None:
        return None
    with at_time(moment):
        return None if credit.has_overdue(shop.id, buyer.id) else slug


def _settle(world, moment: dt.datetime, period: str) -> None:
    for shop in sorted(world.shops.values(), key=lambda s: s.id):
        owed = balance_until(shop.id, moment)
        if owed == 0:
            continue
        reference = (f"工行转账 {period} 货款结算" if owed > 0 else f"{period} 线下交易佣金 店铺转入")
        with at_time(moment):
            payouts.record_settlement(shop, owed, reference, world.admin)


def month_events(world, start: dt.datetime) -> list[tuple[dt.datetime, object]]:
    """(time, event) for each month that began in the period."""
    rng = random.Random(20)
    now = world.now
    events = []
    for month in _month_starts(start, now):
        period = f"{month - dt.timedelta(days=1):%Y-%m}"
        issued = month + dt.timedelta(hours=1)
        events.append((issued, lambda t=issued: _issue(t)))
        paid = month + dt.timedelta(days=rng.randint(5, 12), hours=10)
        if paid < now:
            events.append((paid, lambda t=paid, p=period: _pay_statements(world, t, p)))
        settled = month + dt.timedelta(days=3, hours=15)
        if settled < now:
            events.append((settled, lambda t=settled, p=period: _settle(world, t, p)))
    aged = now - dt.timedelta(minutes=10)  # the hourly job: what is past due is overdue now
    events.append((aged, lambda: _issue(aged)))
    return [(t.astimezone(dt.UTC), e) for t, e in events]

