"""Three months of the demo market's trade, so every dashboard and report has figures.

Seven buyers — a restaurant of 睢阳区 (on monthly credit with the dried-goods stall, and late to
pay), a supermarket of 谢集镇, a restaurant in Hangzhou, a food factory of 永城 (on monthly credit
with the flour mill), a household of 梁园区, a farmer of 夏邑
and a vegetable seller of 虞城 who both signed up with a mobile number only — order from the shops
they would really use, a few times a week over the last ``HISTORY_DAYS`` days. Every order is
placed, paid and moved through the real services (cart, checkout, offline and online payments,
credit statements, fulfilment, refunds), each step at its own time (marketplace.db.at_time), so
stock movements, ledger postings and status histories agree with each other; what the payment
providers would have said is recorded as they report it (payments.seed_flows). Orders end in
every status — the older ones mostly completed, the recent ones on their way or waiting —, some
are refunded in part or in full, one card payment is disputed, the credit statements of past
months are issued and paid, and the admin settles each shop's balance every month. No notice is
mailed for this history (marketplace.mail.services.muted).

Deterministic (a fixed random seed) and run once: a database that has orders older than a month
is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from catalog import pricing
from catalog.models import Product, ProductStatus, Variant
from catalog.services import adjust_stock
from marketplace.accounts.models import User
from marketplace.db import as_utc, at_time, atomic, utcnow
from marketplace.extensions import db
from marketplace.mail.services import muted
from marketplace.seed_data import ADMIN_EMAIL
from marketplace.shops.models import Shop, ShopStatus
from orders import services as orders
from orders.cart import CartError
from orders.models import Address, Cart, CartLine, Order, OrderStatus
from payments import seed_flows
from payments.models import ShopPaymentSettings
from payments.seed_flows import ONLINE, Flow
from payments.seed_months import credit_shop, grant_credit, month_events

S = OrderStatus
HISTORY_DAYS = 90


@dataclass(frozen=True)
class Profile:
    #: E-mail, or the mobile number of an account without one.
    login: str
    #: (shop slug, weight) where this buyer buys.
    shops: tuple[tuple[str, int], ...]
    #: Order groups per week, on average.
    per_week: float
    #: (payment method, weight): wechat_pay, alipay, stripe, bank_transfer, cash, credit.
    methods: tuple[tuple[str, int], ...]
    #: Share of orders delivered (the rest picked up).
    delivery: float
    #: Up to this many order steps above the MOQ.
    extra: int = 3


PROFILES = (
    Profile("buyer@demo.example", (("nongchanpin-shucai-a108", 6), ("nongchanpin-shuichan-b203", 3),
                                   ("nongchanpin-ganhuo-c016", 3), ("suiyang-guidefu-shipin", 2),
                                   ("xiayi-shiyongjun-hezuoshe", 2), ("zhecheng-lajiao-hezuoshe", 1),
                                   ("yongcheng-mianfen", 1)), 5.0, (("wechat_pay", 5), ("cash", 3), ("alipay", 1),
                                                                    ("stripe", 1), ("credit", 1)), 0.8),
    Profile("buyer2@demo.example", (("ningling-jinding-suli", 3), ("minquan-putaojiu", 3), ("yongcheng-mianfen", 2),
                                    ("suiyang-guidefu-shipin", 3), ("liangyuan-xieji-guoshu", 3),
                                    ("nongchanpin-shucai-a108", 2), ("minquan-lenggui", 1), ("suixian-xieye", 1)),
            3.5, (("bank_transfer", 3), ("alipay", 3), ("wechat_pay", 2)), 0.9),
    Profile("buyer3@demo.example", (("zhecheng-lajiao-hezuoshe", 3), ("minquan-putaojiu", 2),
                                    ("yucheng-shaogang-juanchi", 1)), 1.0, (("stripe", 3), ("alipay", 1)), 1.0),
    Profile("factory@demo.example", (("yongcheng-mianfen", 6), ("zhecheng-lajiao-hezuoshe", 2),
                                     ("nongchanpin-ganhuo-c016", 1), ("minquan-lenggui", 1)), 2.0,
            (("credit", 5), ("bank_transfer", 2), ("wechat_pay", 1)), 1.0, extra=6),
    Profile("home@demo.example", (("nongchanpin-shucai-a108", 3), ("nongchanpin-shuichan-b203", 2),
                                  ("suiyang-guidefu-shipin", 2), ("ningling-jinding-suli", 1),
                                  ("liangyuan-xieji-guoshu", 2), ("minquan-putaojiu", 1)), 2.5,
            (("wechat_pay", 3), ("alipay", 2), ("cash", 1)), 0.3, extra=1),
    Profile("+8615603700003", (("xiayi-fengshou-nongzi", 4), ("xiayi-shiyongjun-hezuoshe", 1)), 0.8,
            (("cash", 3), ("wechat_pay", 1)), 0.5, extra=1),
    Profile("+8615603700004", (("nongchanpin-shucai-a108", 3), ("liangyuan-xieji-guoshu", 2)), 1.5,
            (("cash", 4), ("wechat_pay", 1)), 0.0),
)


def _pick(rng: random.Random, weighted) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


class World:
    """What the history needs, read once: buyers, their addresses, shops, sellable variants."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.shops = {s.slug: s for s in db.session.scalars(sa.select(Shop).where(Shop.status == ShopStatus.APPROVED))}
        self.buyers = {}
        for p in PROFILES:
            user = db.session.scalar(sa.select(User).where(User.mobile == p.login if p.login.startswith("+")
                                                           else User.email == p.login))
            if user is not None:
                self.buyers[p.login] = user
        self.addresses = {a.user_id: a for a in db.session.scalars(sa.select(Address).where(Address.is_default.is_(True)))}
        self.variants: dict[int, list[tuple[Variant, dt.datetime]]] = {}
        rows = db.session.execute(sa.select(Variant, Product.shop_id, Product.published_at).join(Product).where(
            Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None), Variant.active.is_(True))
            .order_by(Variant.id)).all()
        for variant, shop_id, published in rows:
            self.variants.setdefault(shop_id, []).append((variant, as_utc(published)))
        transfer = set(db.session.scalars(sa.select(ShopPaymentSettings.shop_id).where(
            ShopPaymentSettings.accepts_bank_transfer.is_(True))))
        self.takes_transfer = {slug for slug, s in self.shops.items() if s.id in transfer}
        self.admin = db.session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))

    def ready(self) -> bool:
        return bool(self.buyers) and len(self.shops) >= 5 and self.admin is not None


def _restock(variant: Variant, needed: int, owner, rng: random.Random) -> None:
    """The merchant's goods came in (进货): a stock adjustment before he runs short."""
    if variant.stock >= needed * 2:
        return
    adjust_stock(variant, needed * rng.randint(6, 12), "进货补库存", owner)


def _place(world: World, buyer: User, lines: list[tuple[Variant, int]], delivery: bool):
    """Place one order group through checkout (each shop delivers where it can, else pickup)."""
    with atomic():
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
        cart.lines.clear()
        for variant, qty in lines:
            cart.lines.append(CartLine(variant_id=variant.id, quantity=qty,
                                       price_seen_cents=pricing.unit_price(variant, qty)))
        db.session.add(cart)
    address = world.addresses.get(buyer.id)
    shop_ids = {v.product.shop_id for v, _q in lines}
    want = "delivery" if delivery and address is not None else "pickup"
    for choice in (want, "pickup"):
        try:
            return orders.place_order(cart, buyer, choices=dict.fromkeys(shop_ids, choice),
                                      address_id=address.id if address is not None and choice == "delivery" else None,
                                      idempotency_key=orders.new_idempotency_key())
        except CartError as exc:
            if exc.code != "cannot_fulfil":
                raise
    raise AssertionError("pickup is always possible")


def _lines(world: World, shop: Shop, t: dt.datetime, extra: int, rng: random.Random) -> list[tuple[Variant, int]]:
    candidates = [v for v, published in world.variants.get(shop.id, []) if published and published < t]
    picked = rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 2, 3))))
    owner = seed_flows.owner_of_shop(shop)
    lines = []
    for variant in picked:
        qty = variant.moq + variant.step * rng.randint(0, extra)
        with at_time(t - dt.timedelta(hours=1)):
            _restock(variant, qty, owner, rng)
        lines.append((variant, qty))
    return lines


def _target(age_days: float, method: str, rng: random.Random) -> OrderStatus:
    """Where an order placed ``age_days`` ago stands now."""
    r = rng.random()
    if age_days >= 10:
        if r < 0.05 and method in ONLINE:
            return S.EXPIRED
        return S.CANCELLED if r < 0.11 else S.COMPLETED
    if age_days >= 3:
        table = ((0.45, S.COMPLETED), (0.8, S.DELIVERED), (0.9, S.SHIPPED), (0.95, S.CANCELLED), (1.0, S.EXPIRED))
    elif age_days >= 1:
        table = ((0.2, S.DELIVERED), (0.55, S.SHIPPED), (0.85, S.ACCEPTED), (1.0, S.PAID))
    else:
        table = ((0.35, S.PAID), (0.7, S.ACCEPTED), (1.0, S.PENDING_PAYMENT))
    target = next(status for share, status in table if r < share)
    if target == S.EXPIRED and method not in ONLINE:
        return S.CANCELLED
    if target == S.PENDING_PAYMENT and method in (*ONLINE, "credit"):
        return S.PAID  # an unpaid online order expires within the half hour; a credit order is paid at once
    if target == S.PAID and method == "cash":
        return S.ACCEPTED  # paid at handover: accepted first
    return target


class Tally:
    """What the history made, for the seed's report and its tests."""

    def __init__(self):
        self.orders = self.refunds = self.disputes = 0


def _group(world: World, profile: Profile, t: dt.datetime, rng: random.Random, tally: Tally,
           forced: dict | None = None) -> None:
    """One checkout of ``profile``'s buyer at ``t`` and the way of each of its orders since."""
    forced = forced or {}
    buyer = world.buyers[profile.login]
    method = forced.get("method") or _pick(rng, profile.methods)
    slugs = [slug for slug, _w in profile.shops if slug in world.shops]
    if method == "credit":
        slug = credit_shop(world, buyer, t)
        slugs = [slug] if slug else []
    elif method == "bank_transfer":
        slugs = [s for s in slugs if s in world.takes_transfer]
    if not slugs:
        method, slugs = "wechat_pay", [slug for slug, _w in profile.shops if slug in world.shops]
    weights = [(s, w) for s, w in profile.shops if s in slugs] or [(s, 1) for s in slugs]
    chosen = [forced.get("shop") or _pick(rng, weights)]
    if method in ONLINE and rng.random() < 0.3 and len(weights) > 1 and not forced:
        chosen.append(_pick(rng, [(s, w) for s, w in weights if s != chosen[0]]))
    lines = [line for slug in chosen for line in _lines(world, world.shops[slug], t, profile.extra, rng)]
    if not lines:
        return
    delivery = {S.SHIPPED: True, S.READY_FOR_PICKUP: False}.get(forced.get("target"), rng.random() < profile.delivery)
    with at_time(t):
        group = _place(world, buyer, lines, delivery)
    age = (world.now - t).total_seconds() / 86400
    target = forced.get("target") or _target(age, method, rng)
    limit = world.now - dt.timedelta(minutes=2)
    flows = [Flow(order, buyer, method, target, t, rng, limit) for order in group.orders]
    if method in ONLINE and target not in (S.PENDING_PAYMENT, S.CANCELLED, S.EXPIRED):
        with at_time(flows[0].later(1, 8)):
            seed_flows.pay_online(group, ONLINE[method], rng)
        for flow in flows[1:]:
            flow.t = flows[0].t
    for flow in flows:
        _finish(flow, method, target, forced, rng, tally)
        tally.orders += 1


def _finish(flow: Flow, method: str, target: OrderStatus, forced: dict, rng: random.Random, tally: Tally) -> None:
    if target == S.EXPIRED:
        flow.expire()
        return
    if target == S.CANCELLED:
        flow.target = S.PENDING_PAYMENT if method in (*ONLINE, "cash") else S.PAID
        flow.run()
        flow.cancel()
        return
    flow.run(slip=method == "bank_transfer" and (target == S.PENDING_PAYMENT or rng.random() < 0.3))
    if target != S.COMPLETED:
        return
    after = forced.get("after")
    if after is None and rng.random() < 0.06:
        after = {"cash": "restock", "bank_transfer": "restock", "wechat_pay": "part", "alipay": "all",
                 "stripe": "part"}.get(method)
    if after == "restock":
        seed_flows.refund_lines(flow, restock=True)
    elif after == "part":
        seed_flows.refund_amount(flow, rng.choice((10, 20, 30)))
    elif after == "all":
        seed_flows.refund_amount(flow, None)
    elif after == "dispute":
        seed_flows.dispute(flow)
        tally.disputes += 1
    if after in ("restock", "part", "all"):
        tally.refunds += 1


#: Checkouts made whatever the dice say, so that every status, method, kind of refund and the
#: dispute are there: (days ago, buyer, shop or None, method, target status, after the sale).
SCRIPTED = [
    (40, "buyer3@demo.example", "zhecheng-lajiao-hezuoshe", "stripe", S.COMPLETED, "dispute"),
    (35, "buyer@demo.example", "nongchanpin-shucai-a108", "cash", S.COMPLETED, "restock"),
    (30, "buyer2@demo.example", "minquan-putaojiu", "bank_transfer", S.COMPLETED, "restock"),
    (25, "home@demo.example", "nongchanpin-shuichan-b203", "wechat_pay", S.COMPLETED, "part"),
    (20, "buyer2@demo.example", "ningling-jinding-suli", "alipay", S.COMPLETED, "all"),
    (15, "buyer2@demo.example", "yongcheng-mianfen", "bank_transfer", S.CANCELLED, None),
    (12, "home@demo.example", "suiyang-guidefu-shipin", "alipay", S.EXPIRED, None),
    (5, "buyer@demo.example", "nongchanpin-shucai-a108", "wechat_pay", S.DELIVERED, None),
    (2, "buyer3@demo.example", "minquan-putaojiu", "stripe", S.SHIPPED, None),
    (1.5, "home@demo.example", "nongchanpin-shucai-a108", "cash", S.READY_FOR_PICKUP, None),
    (0.6, "factory@demo.example", "yongcheng-mianfen", "credit", S.ACCEPTED, None),
    (0.4, "buyer@demo.example", "nongchanpin-ganhuo-c016", "alipay", S.PAID, None),
    (0.3, "buyer2@demo.example", "zhecheng-lajiao-hezuoshe", "bank_transfer", S.PENDING_PAYMENT, None),
    (0.2, "+8615603700003", "xiayi-fengshou-nongzi", "cash", S.PENDING_PAYMENT, None),
]


def _plan(world: World, rng: random.Random) -> list[tuple[dt.datetime, object]]:
    """(time, what happens then) for every checkout of the period, in time order."""
    zone = zoneinfo.ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    first_morning = (world.now - dt.timedelta(days=HISTORY_DAYS)).astimezone(zone).replace(
        hour=6, minute=0, second=0, microsecond=0)  # trade hours: 6:00-20:00 local time
    plan = []
    for profile in PROFILES:
        if profile.login not in world.buyers:
            continue
        morning = first_morning
        while morning < world.now:
            if rng.random() < profile.per_week / 7:
                t = (morning + dt.timedelta(minutes=rng.randint(0, 14 * 60))).astimezone(dt.UTC)
                if t < world.now - dt.timedelta(minutes=30):
                    plan.append((t, profile, None))
            morning += dt.timedelta(days=1)
    by_login = {p.login: p for p in PROFILES}
    for days, login, shop, method, target, after in SCRIPTED:
        if login in world.buyers and (shop is None or shop in world.shops):
            t = world.now - dt.timedelta(days=days)
            plan.append((t, by_login[login], {"shop": shop, "method": method, "target": target, "after": after}))
    plan.sort(key=lambda item: item[0])
    return plan


def seed_demo_history(progress=None) -> dict | None:
    """The three months; None when they are there already (or the catalogue or buyers are missing)."""
    now = utcnow().replace(microsecond=0)
    if db.session.scalar(sa.select(sa.func.count(Order.id)).where(Order.created_at < now - dt.timedelta(days=30))):
        return None
    world = World(now)
    if not world.ready():
        return None
    rng = random.Random(15)
    tally = Tally()
    start = now - dt.timedelta(days=HISTORY_DAYS)
    with muted():
        grant_credit(world, start)
        events = [(t, lambda p=profile, t=t, f=forced: _group(world, p, t, rng, tally, f))
                  for t, profile, forced in _plan(world, rng)]
        events += month_events(world, start)
        events.sort(key=lambda item: item[0])
        for _t, event in events:
            event()
            if progress:
                progress(1)
    return {"history orders": tally.orders, "history refunds": tally.refunds, "disputes": tally.disputes}
