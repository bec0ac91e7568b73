"""Demo data for traceability: the fresh-produce categories require a 承诺达标合格证; every demo
product there gets a certified opening batch of its stock (so the catalogue's products stay
published under the publish guard); 宁陵金顶谢花酥梨 and 柘城三樱椒 鲜椒 carry farm inputs and tests;
and 老王蔬菜批发, a stall of the wholesale market, buys fresh chillies from the 柘城 cooperative
on the platform and repacks them into 2-斤 bags under its own certificate (a child batch). The
regulator then recalls the cooperative's sold batch with that child (trace.recall_seed); after it,
the stall buys from the cooperative's fresh batch and repacks again, so the demo also shows an
active, clean chain (bags -> fresh chillies -> the cooperative).

Why an opening batch rather than a new one: the catalogue seed gave the products their stock
before trace existed; that stock and the units its open orders reserve become the batch
(trace.batches.adopt_stock), so stock does not double and the invariant holds from the start.
The categories are flagged here, after the catalogue seed published its products: the shipped
category file leaves the flag to each deployment's admin (a city turns it on when its rules apply).
Safe to run again: variants that already have batches are left alone.
"""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from catalog.models import Category, Product, ProductStatus, Variant
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop
from trace.batches import ORIGIN_LEVELS, adopt_stock
from trace.certificates import issue_certificate
from trace.models import Allocation, AttachmentKind, Batch, BatchStatus
from trace.reports import store_report
from trace.validation import local_today

#: The categories whose products need a certificate per batch (农业农村部令2025年第4号: vegetables,
#: fruit, livestock and poultry, eggs, aquatic products), with a demo shelf life in days.
CERTIFIED = {"agri.vegetables": 7, "agri.fruit": 60, "agri.meat_eggs": 30, "agri.aquatic": 3}
PEAR, CHILLI = "宁陵金顶谢花酥梨", "柘城三樱椒 鲜椒"
STALL, COOPERATIVE = "nongchanpin-shucai-a108", "zhecheng-lajiao-hezuoshe"
BAG_CODE = "LW-TRACE-001"


def _origin(product: Product) -> Region:
    region = product.origin or product.shop.region
    if region.level == RegionLevel.TOWNSHIP:  # down to a village where the demo regions have one
        village = db.session.scalar(sa.select(Region).where(Region.parent_id == region.id).order_by(Region.code))
        region = village or region
    return region if region.level in ORIGIN_LEVELS else product.shop.region


def _report_png(lines: list[str]) -> bytes:
    from PIL import Image, ImageDraw

    from marketplace.seed import cjk_font_path

    img = Image.new("RGB", (900, 600), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    path = cjk_font_path()
    font = None
    if path:
        from PIL import ImageFont

        font = ImageFont.truetype(path, 34)
    for n, text in enumerate(lines):
        draw.text((40, 40 + n * 60), text, fill=(20, 20, 20), font=font)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _extras(title: str, produced: dt.date) -> tuple[list[dict], list[dict]]:
    """Farm inputs and tests of the featured products."""
    if title == PEAR:
        return ([{"name": "腐熟羊粪有机肥", "used_on": produced - dt.timedelta(days=150), "safe_interval_days": 0},
                 {"name": "吡虫啉 10% 可湿性粉剂", "used_on": produced - dt.timedelta(days=45), "safe_interval_days": 20}],
                [{"kind": "commissioned", "result": "农药残留 62 项 未检出", "passed": "1", "tester": "商丘市农产品质量安全检测中心",
                  "tested_on": produced - dt.timedelta(days=2)},
                 {"kind": "self", "result": "农药残留速测 抑制率 8% 合格", "passed": "1", "tester": "合作社检测室",
                  "tested_on": produced}])
    if title == CHILLI:
        return ([{"name": "高效氯氰菊酯", "used_on": produced - dt.timedelta(days=21), "safe_interval_days": 7}],
                [{"kind": "self", "result": "农药残留速测 合格", "passed": "1", "tester": "柘城县辣椒合作社检测室",
                  "tested_on": produced}])
    return [], []


def _certify_catalogue(today: dt.date, progress) -> int:
    """An opening batch with its certificate for every fresh demo variant that has none yet."""
    made = 0
    categories = {c.id: c.code for c in db.session.scalars(sa.select(Category).where(Category.code.in_(CERTIFIED)))}
    products = list(db.session.scalars(sa.select(Product).where(Product.category_id.in_(list(categories)),
                                                                Product.deleted_at.is_(None)).order_by(Product.id)))
    tracked = set(db.session.scalars(sa.select(Batch.variant_id).distinct()))
    for n, product in enumerate(products):
        actor = product.shop.members[0].user if product.shop.members else None
        produced = today - dt.timedelta(days=1 + n % 3)
        inputs, tests = _extras(product.title, produced)
        with atomic():
            for variant in product.variants:
                if variant.id in tracked:
                    continue
                rows = [{**t, "tested_on": t["tested_on"].isoformat()} for t in tests]
                batch = adopt_stock(product.shop, actor, {
                    "variant": variant.id, "produced_on": produced.isoformat(), "region": _origin(product),
                    "shelf_life_days": CERTIFIED[categories[product.category_id]], "plot": _plot(product.title)},
                    [{**i, "used_on": i["used_on"].isoformat()} for i in inputs], rows, today=today)
                if batch is None:
                    continue
                if tests and product.title == PEAR:
                    batch.tests[0].attachment_key = store_report(AttachmentKind.IMAGE, _report_png(
                        ["检测报告（演示）", "商丘市农产品质量安全检测中心", f"样品：{product.title}",
                         "农药残留 62 项：未检出", "结论：合格"]))
                    batch.tests[0].attachment_kind, batch.tests[0].attachment_name = AttachmentKind.IMAGE, "检测报告.png"
                issue_certificate(batch, actor)
                made += 1
        if progress:
            progress(1)
    return made


def _plot(title: str) -> str:
    return {PEAR: "石桥镇 万亩梨园 7 号地块", CHILLI: "起台镇 辣椒示范基地 2 号田"}.get(title, "")


def _stall_and_chillies() -> tuple[Shop, Variant] | None:
    """The wholesale stall and the cooperative's fresh-chilli variant on sale, or None."""
    stall = db.session.scalar(sa.select(Shop).where(Shop.slug == STALL))
    coop = db.session.scalar(sa.select(Shop).where(Shop.slug == COOPERATIVE))
    if stall is None or coop is None or not stall.members or not coop.members:
        return None
    chilli = db.session.scalar(sa.select(Variant).join(Product).where(
        Product.shop_id == coop.id, Product.title == CHILLI, Product.status == ProductStatus.PUBLISHED,
        Variant.active.is_(True), Variant.stock >= Variant.moq).order_by(Variant.moq, Variant.id))
    return None if chilli is None else (stall, chilli)


def _buy_chillies(stall: Shop, chilli: Variant, most: int = 100) -> tuple[int, int]:
    """The stall orders fresh chillies from the cooperative, which ships them (the order's lines are
    allocated to its batches) and the stall confirms receipt. Returns (order id, quantity)."""
    from catalog import pricing
    from orders import services
    from orders.models import Address, Cart, CartLine, Fulfilment

    buyer, merchant = stall.members[0].user, chilli.product.shop.members[0].user
    qty = max(chilli.moq, min(most, chilli.stock))
    with atomic():
        if not db.session.scalar(sa.select(Address.id).where(Address.user_id == buyer.id).limit(1)):
            db.session.add(Address(user_id=buyer.id, recipient=buyer.name or stall.name, phone=stall.phone,
                                   region_id=stall.region_id, street=stall.address, is_default=True))
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
        cart.lines.clear()
        cart.lines.append(CartLine(variant_id=chilli.id, quantity=qty, price_seen_cents=pricing.unit_price(chilli, qty)))
        db.session.add(cart)
    order = services.place_order(cart, buyer, choices=None, idempotency_key=services.new_idempotency_key()).orders[0]
    services.mark_paid(order)
    services.accept(order, merchant)
    if order.fulfilment == Fulfilment.DELIVERY:
        services.ship(order, merchant, "合作社自有货车", f"ZC-DEMO-{order.id:04d}")
    else:
        services.ready_for_pickup(order, merchant)
    services.confirm_receipt(order, buyer)
    return order.id, qty


def _repack(stall: Shop, bags: Product, order_id: int, qty: int, today: dt.date) -> Batch:
    """The stall repacks what the order brought (its batches, as allocated) into a certified child batch."""
    from trace.transform import repack

    buyer = stall.members[0].user
    parents = db.session.execute(sa.select(Allocation.batch_id, sa.func.sum(Allocation.quantity))
                                 .where(Allocation.order_id == order_id).group_by(Allocation.batch_id)
                                 .order_by(Allocation.batch_id)).all()
    child = repack(stall, buyer, {"variant": bags.variants[0].id, "quantity": str(qty // 2 or 1),
                                  "plot": "商丘农产品中心批发市场 A-108"},
                   [{"batch": str(batch_id), "quantity": str(used)} for batch_id, used in parents], today=today)
    issue_certificate(child, buyer)
    return child


def _stall_buys_and_repacks(today: dt.date) -> str | None:
    """老王蔬菜批发 buys fresh chillies from the cooperative, receives them, repacks them in bags."""
    from catalog.services import create_product, publish

    found = _stall_and_chillies()
    if found is None:
        return None
    stall, chilli = found
    if db.session.scalar(sa.select(Product.id).where(Product.shop_id == stall.id, Product.code == BAG_CODE)):
        return None
    order_id, qty = _buy_chillies(stall, chilli)
    region = db.session.scalar(sa.select(Batch.region_id).join(Allocation, Allocation.batch_id == Batch.id)
                               .where(Allocation.order_id == order_id).limit(1))
    with atomic():
        bags = create_product(stall, stall.members[0].user, {
            "title": "三樱椒鲜椒 精选分装", "subtitle": "柘城合作社当日鲜椒 市场分拣 2 斤袋装",
            "code": BAG_CODE, "category": db.session.scalar(sa.select(Category).where(Category.code == "agri.vegetables")),
            "origin": db.session.get(Region, region) if region else None,
            "description": "从柘城县辣椒合作社采购的三樱椒鲜椒，市场内分拣、分装，随货附承诺达标合格证。"},
            [{"name": "2 斤袋", "unit": "袋", "price_cents": 1200, "stock": 0, "moq": 1, "step": 1, "tiers": [],
              "weight_grams": 1000}])
        child = _repack(stall, bags, order_id, qty, today)
        publish(bags, stall.members[0].user)
    return child.code


def _clean_repack_chain(today: dt.date) -> str | None:
    """After the recall: the stall buys from the cooperative's fresh (clean) batch and repacks again,
    so the bags are back on sale with an active chain a visitor can follow to the producer. Skipped
    when the bags already have an active batch (the step ran before)."""
    from catalog.services import publish

    found = _stall_and_chillies()
    if found is None:
        return None
    stall, chilli = found
    bags = db.session.scalar(sa.select(Product).where(Product.shop_id == stall.id, Product.code == BAG_CODE))
    if bags is None or db.session.scalar(sa.select(Batch.id).where(
            Batch.variant_id == bags.variants[0].id, Batch.status == BatchStatus.ACTIVE).limit(1)):
        return None
    order_id, qty = _buy_chillies(stall, chilli, most=chilli.stock // 4)  # the listing keeps most of its stock
    with atomic():
        child = _repack(stall, bags, order_id, qty, today)
        if bags.status != ProductStatus.PUBLISHED:
            publish(bags, stall.members[0].user)
    return child.code


def seed_demo(progress=None) -> dict:
    today = local_today()
    with atomic():
        for category in db.session.scalars(sa.select(Category).where(Category.code.in_(CERTIFIED))):
            category.requires_certificate = True
    certified = _certify_catalogue(today, progress)
    child = _stall_buys_and_repacks(today)
    from trace.recall_seed import seed_recall  # the regulator recalls the repacked chillies' parent batch

    recalled = seed_recall(progress)
    clean = _clean_repack_chain(today)  # and a clean chain after it, from the cooperative's fresh batch
    return {"certified batches": certified, "repacked batch": child or "-", **recalled,
            "clean repacked batch": clean or "-"}
