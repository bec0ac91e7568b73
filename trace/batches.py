"""Recording a production batch: its fields, the farm inputs and tests, a generated code, and the
receipt of its quantity into the variant's stock through the one stock module (a StockMovement of
kind "batch_received"), all in one transaction.

Batches exist only for variants whose category (or a parent category) requires a 承诺达标合格证.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from catalog.models import Category, Product, Variant
from catalog.services.stock import change_stock, current_stock
from catalog.services.validation import MAX_STOCK
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop
from trace.codes import batch_code
from trace.errors import TraceError
from trace.models import Batch, BatchInput, BatchSource, BatchTest, TestKind
from trace.reports import read_report, store_report
from trace.validation import Fields, local_today

#: Rows of inputs and tests one batch may carry.
MAX_INPUTS = 20
MAX_TESTS = 10
#: Regions deep enough to be an origin (a county, a township or a village).
ORIGIN_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def requires_certificate(category: Category | None) -> bool:
    """True when the category or one of its parents requires a certificate per batch."""
    seen = 0
    while category is not None and seen < 10:
        if category.requires_certificate:
            return True
        category, seen = category.parent, seen + 1
    return False


def shop_variant(shop: Shop, variant_id) -> Variant:
    """A variant of the shop's own (not deleted) products in a category that requires certificates."""
    try:
        vid = int(str(variant_id).strip())
    except (TypeError, ValueError):
        vid = 0
    variant = db.session.get(Variant, vid) if 0 < vid < 2**31 else None
    if variant is None or variant.product.shop_id != shop.id or variant.product.deleted_at is not None:
        raise TraceError(_("请选择本店的商品规格"), field="variant")
    if not requires_certificate(variant.product.category):
        raise TraceError(_("该商品所在分类不需要承诺达标合格证，无需登记批次"), field="variant")
    return variant


def variant_field(shop: Shop, fields: Fields) -> Variant | None:
    """The form's variant (its problem collected with the others)."""
    try:
        return shop_variant(shop, fields.data.get("variant"))
    except TraceError as exc:
        fields.fail("variant", exc.message)
        return None


def traced_variants(shop: Shop) -> list[Variant]:
    """The shop's variants for which batches may be recorded (the batch form's choices)."""
    variants = db.session.scalars(sa.select(Variant).join(Product).where(
        Product.shop_id == shop.id, Product.deleted_at.is_(None)).order_by(Product.title, Variant.position))
    return [v for v in variants if requires_certificate(v.product.category)]


def _origin(fields: Fields, region) -> Region | None:
    if region is None:
        fields.fail("region", _("请选择产地（至少到县）"))
        return None
    if not isinstance(region, Region):
        region = db.session.get(Region, region) if isinstance(region, int) else None
    if region is None or region.level not in ORIGIN_LEVELS:
        fields.fail("region", _("请选择产地（至少到县）"))
        return None
    return region


def _dates(fields: Fields, data: dict, *, today: dt.date) -> tuple[dt.date | None, dt.date | None, int | None]:
    produced = fields.date("produced_on", _("生产/采收日期"))
    if produced and produced > today:
        fields.fail("produced_on", _("生产/采收日期不能晚于今天"))
    shelf = fields.whole("shelf_life_days", _("保质期（天）"), 1, 3650, required=False)
    expires = fields.date("expires_on", _("到期日"), required=False)
    if expires is None and shelf is not None and produced is not None:
        expires = produced + dt.timedelta(days=shelf)
    if expires is None and shelf is None and not fields.errors.get("expires_on"):
        fields.fail("expires_on", _("请填写保质期或到期日"))
    if expires and produced and expires <= produced:
        fields.fail("expires_on", _("到期日必须晚于生产/采收日期"))
    return produced, expires, shelf


def clean_inputs(rows: list[dict], produced_on: dt.date | None, fields: Fields) -> list[BatchInput]:
    """Farm inputs: each used before the harvest by at least its safe interval (the commitment)."""
    if len(rows) > MAX_INPUTS:
        fields.fail("inputs", _("最多登记 %(n)d 条投入品", n=MAX_INPUTS))
        return []
    found = []
    for n, row in enumerate(rows, start=1):
        sub = Fields(row)
        name = sub.text("name", _("投入品名称"), 80, required=True)
        used_on = sub.date("used_on", _("使用日期"))
        interval = sub.whole("safe_interval_days", _("安全间隔期（天）"), 0, 365)
        if used_on and interval is not None and produced_on and used_on + dt.timedelta(days=interval) > produced_on:
            sub.fail("used_on", _("%(name)s：采收日期未过安全间隔期（%(days)d 天）", name=name, days=interval))
        for messages in sub.errors.values():
            for message in messages:
                fields.fail(f"inputs-{n}", message)
        if not sub.errors:
            found.append(BatchInput(name=name, used_on=used_on, safe_interval_days=interval))
    return found


def clean_tests(rows: list[dict], fields: Fields) -> list[tuple[BatchTest, tuple | None]]:
    """Tests with their report file checked (not stored yet): (row, (kind, bytes, name) or None)."""
    if len(rows) > MAX_TESTS:
        fields.fail("tests", _("最多登记 %(n)d 条检测记录", n=MAX_TESTS))
        return []
    found = []
    for n, row in enumerate(rows, start=1):
        sub = Fields(row)
        kind = row.get("kind") or ""
        if kind not in {k.value for k in TestKind}:
            sub.fail("kind", _("请选择检测方式"))
        result = sub.text("result", _("检测结果"), 200, required=True)
        tested_on = sub.date("tested_on", _("检测日期"))
        tester = sub.text("tester", _("检测机构/人员"), 80, required=True)
        passed = row.get("passed") not in (False, "0", "false", "no", "")
        try:
            report = read_report(row.get("report"), f"tests-{n}")
        except TraceError as exc:
            sub.fail("report", exc.message)
            report = None
        for messages in sub.errors.values():
            for message in messages:
                fields.fail(f"tests-{n}", message)
        if not sub.errors:
            found.append((BatchTest(kind=TestKind(kind), result=result, tested_on=tested_on, tester=tester,
                                    passed=passed), report))
    return found


def next_sequence(shop: Shop) -> int:
    """The shop's next batch number, under a lock on the shop's row (two batches recorded at once
    wait for each other instead of both taking the same number)."""
    db.session.execute(sa.select(Shop.id).where(Shop.id == shop.id).with_for_update())
    last = db.session.scalar(sa.select(sa.func.max(Batch.sequence)).where(Batch.shop_id == shop.id))
    return (last or 0) + 1


def new_code(shop: Shop, title: str, produced_on: dt.date, sequence: int) -> str:
    code = batch_code(title, produced_on, shop.licence_number, shop.id, sequence)
    if db.session.scalar(sa.select(Batch.id).where(Batch.code == code)) is not None:
        code = f"{code}-{shop.id}"  # another shop's code with the same tail, variety, date and number
    return code


def receive(batch: Batch, variant: Variant, actor) -> None:
    """Add the batch's quantity to the variant's stock (the one stock module, a recorded movement)."""
    if current_stock(variant) + batch.quantity > MAX_STOCK:
        raise TraceError(_("库存最多 %(n)d", n=MAX_STOCK), field="quantity")
    change_stock(variant, batch.quantity, "batch_received", batch.code, actor)


@atomic()
def record_batch(shop: Shop, actor, data: dict, inputs: list[dict] = (), tests: list[dict] = (), *,
                 opening: bool = False, today: dt.date | None = None) -> Batch:
    """Record a production batch of one of the shop's variants and receive it into stock.

    ``data``: variant, produced_on, expires_on or shelf_life_days, quantity, region (a Region or
    its id), plot, note. ``inputs``: rows of name, used_on, safe_interval_days. ``tests``: rows of
    kind, result, passed, tested_on, tester, report (an uploaded file, optional). Every problem is
    refused at once and nothing is saved (the caller's transaction rolls back).

    The first batch of a variant that already holds stock must be that stock (``opening``): its
    quantity is what the stock and the open orders hold, and the stock does not change. Receiving
    new goods first would leave units in stock that no batch accounts for, so that is refused with
    a message saying what to do.
    """
    batch = _new_batch(shop, actor, data, inputs, tests, today=today)
    held = untracked_units(batch)
    if opening:
        if held is None:
            raise TraceError(_("该规格已有批次，请登记新批次"), status=409, code="already_tracked")
        if batch.quantity != held:
            raise TraceError(_("现有库存（含未发货订单占用）为 %(n)s，期初批次的数量须与之相同", n=held),
                             field="quantity", status=409, code="opening_mismatch")
        return batch  # counted in stock already
    refuse_untracked(held)
    receive(batch, batch.variant, actor)
    return batch


def untracked_units(batch: Batch) -> int | None:
    """What ``batch``'s variant holds in stock and for open orders when it has no other batch (the
    units no batch accounts for); None when it has one. Locks the variant first."""
    db.session.execute(sa.select(Variant.id).where(Variant.id == batch.variant_id).with_for_update())
    earlier = db.session.scalar(sa.select(Batch.id).where(Batch.variant_id == batch.variant_id, Batch.id != batch.id)
                                .limit(1))
    if earlier is not None:
        return None
    return current_stock(batch.variant) + reserved_units(batch.variant_id)


def refuse_untracked(held: int | None) -> None:
    """A first batch received on top of stock no batch records: refused, saying what to do."""
    if held:
        raise TraceError(_("该规格已有 %(n)s 件库存未登记批次：请先把它们登记为期初批次（勾选“这是现有库存”，"
                           "数量填 %(n)s），再登记新到的货", n=held), field="quantity", status=409, code="untracked_stock")


def _new_batch(shop: Shop, actor, data: dict, inputs, tests, *, today: dt.date | None) -> Batch:
    """Check everything, then write the batch with its inputs and tests (stock untouched)."""
    today = today or local_today()
    fields = Fields(data)
    variant = variant_field(shop, fields)
    produced, expires, shelf = _dates(fields, data, today=today)
    quantity = fields.whole("quantity", _("数量"), 1, MAX_STOCK)
    region = _origin(fields, data.get("region"))
    plot = fields.text("plot", _("地块/棚号/塘口"), 120)
    note = fields.text("note", _("备注"), 300)
    input_rows = clean_inputs(list(inputs), produced, fields)
    test_rows = clean_tests(list(tests), fields)
    fields.check()
    sequence = next_sequence(shop)
    batch = Batch(shop_id=shop.id, variant_id=variant.id, sequence=sequence, source=BatchSource.PRODUCED,
                  code=new_code(shop, variant.product.title, produced, sequence), produced_on=produced,
                  expires_on=expires, shelf_life_days=shelf, quantity=quantity, remaining=quantity,
                  unit=variant.unit, region_id=region.id, plot=plot, note=note, created_by_id=getattr(actor, "id", None))
    batch.inputs.extend(input_rows)
    for test, report in test_rows:
        if report is not None:
            kind, payload, name = report
            test.attachment_key, test.attachment_kind, test.attachment_name = store_report(kind, payload), kind, name
        batch.tests.append(test)
    db.session.add(batch)
    db.session.flush()
    return batch

def reserved_units(variant_id: int) -> int:
    """Units of the variant taken from stock by orders that have not left the shop yet (what each
    still holds: less what a weighing or a refund gave back, orders.status.outstanding_units)."""
    from orders.models import Order, OrderLine, OrderStatus
    from orders.status import outstanding_units

    ids = sa.select(OrderLine.order_id).join(Order, Order.id == OrderLine.order_id).where(
        OrderLine.variant_id == variant_id,
        Order.status.in_([OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.ACCEPTED]))
    orders = db.session.scalars(sa.select(Order).where(Order.id.in_(ids)))
    total = 0
    for order in orders:
        held = outstanding_units(order)
        total += sum(held[line.id] for line in order.lines if line.variant_id == variant_id)
    return total


@atomic()
def adopt_stock(shop: Shop, actor, data: dict, inputs: list[dict] = (), tests: list[dict] = (), *,
                today: dt.date | None = None) -> Batch | None:
    """Start tracking a variant that already has stock: its stock and the units its open orders
    reserve become one opening batch, and the stock does not change (it was counted already). Only
    for a variant without batches; None when there is nothing to adopt. ``data`` as for
    record_batch, without the quantity."""
    variant = shop_variant(shop, data.get("variant"))
    db.session.execute(sa.select(Variant.id).where(Variant.id == variant.id).with_for_update())
    if db.session.scalar(sa.select(Batch.id).where(Batch.variant_id == variant.id).limit(1)) is not None:
        raise TraceError(_("该规格已有批次，请登记新批次"), status=409, code="already_tracked")
    quantity = current_stock(variant) + reserved_units(variant.id)
    if quantity <= 0:
        return None
    return _new_batch(shop, actor, {**data, "quantity": quantity}, inputs, tests, today=today)


@atomic()
def write_off(batch: Batch, actor, quantity, reason: str) -> Batch:
    """Take spoiled, damaged or sampled units out of a batch and out of stock together (报损), so a
    tracked variant's stock and its batches stay equal. Refused beyond the batch's remaining or the
    variant's free stock (units reserved by orders are not written off)."""
    fields = Fields({"quantity": quantity, "reason": reason})
    amount = fields.whole("quantity", _("数量"), 1, MAX_STOCK)
    why = fields.text("reason", _("原因"), 200, required=True)
    fields.check()
    db.session.execute(sa.select(Batch.id).where(Batch.id == batch.id).with_for_update())
    taken = db.session.execute(sa.update(Batch).where(Batch.id == batch.id, Batch.remaining >= amount)
                               .values(remaining=Batch.remaining - amount).execution_options(synchronize_session=False))
    if taken.rowcount != 1 or not change_stock(batch.variant, -amount, "batch_write_off", f"{batch.code} {why}", actor):
        raise TraceError(_("报损数量不能超过批次剩余和可售库存"), field="quantity", status=409, code="write_off_short")
    db.session.refresh(batch, ["remaining"])
    return batch
