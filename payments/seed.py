"""Demo payments: the demo buyers' orders at Shangqiu shops paid every way, in several states —
到店自提付款 waiting for the merchant, accepted unpaid, handed over and confirmed; 对公转账 chosen,
with a remittance slip, confirmed; WeChat Pay and Alipay paid and voided; a cancelled order whose
payment is void. Run after the catalogue (it orders its products); the ledger stays balanced."""

from __future__ import annotations

import io
import secrets

import sqlalchemy as sa
from PIL import Image, ImageDraw

from catalog import pricing
from catalog.models import Product, Variant
from marketplace.accounts.models import User
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.seed_data import DEMO_SHOPS
from marketplace.shops.models import Shop, ShopStatus
from orders.models import Cart, CartLine, OrderStatus
from payments.models import Payment, PaymentMethod, PaymentStatus, ShopPaymentSettings

#: Bank accounts of the demo shops that take transfers (made-up numbers).
BANKS = {"zhecheng-lajiao-hezuoshe": ("中国农业银行柘城县支行", "6228480000012300001"),
         "yucheng-shaogang-juanchi": ("中国工商银行虞城县支行", "6222020000045600002"),
         "yongcheng-mianfen": ("中国建设银行永城市支行", "6217000000078900003"),
         "minquan-putaojiu": ("中国银行民权县支行", "6216600000034500004"),
         "minquan-lenggui": ("中国工商银行民权县支行", "6222020000067800005"),
         "yongcheng-lvye": ("中国农业银行永城市支行", "6228480000090100006"),
         "suiyang-guidefu-shipin": ("商丘农商银行古城支行", "6230520000023400007")}


def _variants(shop: Shop, n: int = 1) -> list[Variant]:
    return list(db.session.scalars(sa.select(Variant).join(Product).where(Product.shop_id == shop.id,
                                                                         Variant.stock >= 20)
                                   .order_by(Variant.id).limit(n)))


def _group(buyer: User, shops: list[Shop]):
    from orders import services

    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
    cart.lines.clear()
    for shop in shops:
        for variant in _variants(shop):
            qty = variant.moq
            cart.lines.append(CartLine(variant_id=variant.id, quantity=qty,
                                       price_seen_cents=pricing.unit_price(variant, qty)))
    db.session.add(cart)
    db.session.flush()
    return services.place_order(cart, buyer, choices=None, idempotency_key=services.new_idempotency_key())


def _slip() -> bytes:
    img = Image.new("RGB", (640, 400), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, 620, 380), outline=(180, 30, 30), width=4)
    draw.text((40, 40), "REMITTANCE 2026-12-05  CNY", fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _online(group, method: PaymentMethod, *, paid: bool) -> Payment:
    """A finished WeChat Pay / Alipay trade as the provider reported it (history, no provider call)."""
    from payments import services
    from payments.status import PAYMENT_MACHINE

    with atomic():
        payment = Payment(group_id=group.id, method=method, amount_cents=services.amount_due(group), currency="cny",
                          idempotency_key=f"demo{method.value[:3]}{group.id}{secrets.token_hex(4)}",
                          checkout_url="weixin://wxpay/bizpayurl?pr=demo" if method == PaymentMethod.WECHAT_PAY
                          else "https://qr.alipay.com/demo")
        db.session.add(payment)
        db.session.flush()
        if paid:
            ref = ("42000" if method == PaymentMethod.WECHAT_PAY else "2026") + secrets.token_hex(10)
            PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, provider_ref=ref, note=ref)
            services.book_online(payment, f"demo {ref}")
        else:
            PAYMENT_MACHINE.move(payment, PaymentStatus.CANCELED, note="买家未付款，交易已关闭")
    return payment


def seed_demo_payments(progress=None) -> str:  # noqa: ARG001 - the seed runner's signature
    from orders import services as orders
    from payments import offline

    if db.session.scalar(sa.select(sa.func.count(Payment.id))):
        return "payments: already there"
    shops = {s.slug: s for s in db.session.scalars(sa.select(Shop).where(Shop.status == ShopStatus.APPROVED))}
    slugs = [spec["slug"] for spec in DEMO_SHOPS if spec["slug"] in shops and _variants(shops[spec["slug"]])]
    if len(slugs) < 3:
        return "payments: no catalogue to order from"
    with atomic():
        for slug, (bank, number) in BANKS.items():
            if slug in shops:
                shop = shops[slug]
                settings = db.session.scalar(sa.select(ShopPaymentSettings).where(ShopPaymentSettings.shop_id == shop.id))
                if settings is None:
                    settings = ShopPaymentSettings(shop_id=shop.id)
                    db.session.add(settings)
                settings.accepts_bank_transfer, settings.bank_name = True, bank
                settings.account_name, settings.account_number = shop.name, number
    buyers = list(db.session.scalars(sa.select(User).where(User.email.in_(["buyer@demo.example", "buyer2@demo.example"]))
                                     .order_by(User.email)))
    if not buyers:
        return "payments: no demo buyers"
    transfer_shops = [shops[s] for s in BANKS if s in shops]
    others = [shops[s] for s in slugs if s not in BANKS]
    made = 0

    # 到店自提付款: one waiting, one accepted and ready unpaid, one handed over and confirmed.
    for step in ("chosen", "ready", "confirmed"):
        group = _group(buyers[0], others[:1])
        order = group.orders[0]
        offline.choose(group, PaymentMethod.CASH.value)
        owner = order.shop.members[0].user
        if step in ("ready", "confirmed"):
            orders.accept(order, owner)
            orders.ready_for_pickup(order, owner)
        if step == "confirmed":
            orders.mark_delivered(order, owner)
            offline.confirm_received(order, owner)
        made += 1
    # 对公转账: chosen; with a slip; confirmed (paid, then accepted).
    for step in ("chosen", "slip", "confirmed"):
        group = _group(buyers[-1], transfer_shops[:1])
        order = group.orders[0]
        (payment,) = offline.choose(group, PaymentMethod.BANK_TRANSFER.value)
        if step in ("slip", "confirmed"):
            from werkzeug.datastructures import FileStorage

            offline.upload_slip(payment, FileStorage(io.BytesIO(_slip()), filename="回单.png"), buyers[-1])
        if step == "confirmed":
            owner = order.shop.members[0].user
            offline.confirm_received(order, owner)
            orders.accept(order, owner)
        made += 1
    # WeChat Pay and Alipay: paid trades across two shops, and trades never paid.
    for method in (PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY):
        _online(_group(buyers[0], others[:2]), method, paid=True)
        _online(_group(buyers[-1], others[1:2]), method, paid=False)
        made += 2
    # A cancelled order: its payment at pickup is void.
    group = _group(buyers[0], others[:1])
    offline.choose(group, PaymentMethod.CASH.value)
    orders.cancel_by_buyer(group.orders[0], buyers[0], "买错了规格")
    made += 1
    assert all(o.status != OrderStatus.EXPIRED for o in group.orders)
    return f"payments: {made} order groups paid every way"


def seed_demo(progress=None) -> dict:
    """The payments domain's demo step: today's payments of every method first (it stops once any
    payment exists), then the trade terms (statements, a weighed line, invoices), then three months
    of history (payments.seed_history: orders in every status, refunds, a dispute, settlements)."""
    from payments.seed_history import seed_demo_history
    from payments.seed_terms import seed_demo_terms

    paid = seed_demo_payments(progress)
    return {"payments": paid.removeprefix("payments: "), **(seed_demo_terms(progress) or {}),
            **(seed_demo_history(progress) or {})}
