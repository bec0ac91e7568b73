"""Weighed settlement (多退少补): lines sold by a weight unit settle on the weight at handover.

Which units are weights comes from the unit table (catalog.units: 斤, 公斤, 两, 吨 ...): every line in such a unit is
weighed when its shop has a tolerance (ShopTerms, default ORDER_WEIGH_TOLERANCE_BP). The buyer
accepts the tolerance at checkout and it is stored on the order line. At handover the merchant
records the actual weight once per line: within the tolerance the difference is settled, outside it
the weighing is refused. A shortfall is refunded (payments listens to ``line_weighed``: payments.weighed); an overage is
charged when the line's terms say so (the shop's choice at the time of the order, on by default),
else the buyer pays at most for the ordered quantity.
Stock follows the actual quantity in whole units (the difference rounded half up to a unit), through
orders.line_stock (trace moves the batch a handed-over line came from).
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask.signals import Namespace
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from catalog.services.stock import StockShort
from catalog.units import is_weight_unit, weight_grams
from marketplace import money
from marketplace.db import atomic
from marketplace.extensions import db
from orders import line_stock
from orders.cart import CartError
from orders.models import Order, OrderLine, OrderStatus
from orders.terms_models import LineWeighing, ShopTerms

S = OrderStatus

#: Sent inside the weighing's transaction: ``sender`` the app; keyword arguments weighing, order,
#: actor. payments.hooks refunds a shortfall (and sets weighing.refunded_cents).
line_weighed = Namespace().signal("line-weighed")

#: How a weighed overage is paid (LineWeighing.charge_via): with the credit statement, with the
#: payment at handover, or collected on its own (payments.weighed decides, payments books it).
CREDIT, HANDOVER, COLLECT = "credit", "handover", "collect"

#: The merchant weighs between payment (or credit) and the end of the handover.
WEIGHABLE = {S.PAID, S.ACCEPTED, S.READY_FOR_PICKUP, S.SHIPPED, S.DELIVERED}
MAX_TOLERANCE_BP = 2000


class WeighTerms(NamedTuple):
    """A shop's weighed-settlement terms, as the buyer accepts them at checkout."""

    #: ± tolerance in basis points (0: lines by weight are not re-weighed)
    tolerance_bp: int
    #: an overage within the tolerance is charged (多退少补); else the buyer pays at most the order
    charge_over: bool


def shop_terms(shop_id: int) -> WeighTerms:
    row = db.session.execute(sa.select(ShopTerms.weigh_tolerance_bp, ShopTerms.charge_overweight)
                             .where(ShopTerms.shop_id == shop_id)).first()
    return WeighTerms(*row) if row else WeighTerms(current_app.config["ORDER_WEIGH_TOLERANCE_BP"], True)


def shop_tolerance_bp(shop_id: int) -> int:
    """The shop's ± tolerance in basis points (0: weighed settlement off)."""
    return shop_terms(shop_id).tolerance_bp


def line_tolerances(lines) -> dict[int, WeighTerms]:
    """{shop_id: its terms} for the shops that sell a line by weight in ``lines`` (cart lines with
    ``variant`` and ``product``) and settle by weight: one query, none when nothing is sold by weight."""
    shop_ids = {lv.product.shop_id for lv in lines if is_weight_unit(lv.variant.unit)}
    if not shop_ids:
        return {}
    found = {sid: WeighTerms(bp, charge) for sid, bp, charge in db.session.execute(
        sa.select(ShopTerms.shop_id, ShopTerms.weigh_tolerance_bp, ShopTerms.charge_overweight)
        .where(ShopTerms.shop_id.in_(shop_ids))).all()}
    default = WeighTerms(current_app.config["ORDER_WEIGH_TOLERANCE_BP"], True)
    return {sid: found.get(sid, default) for sid in shop_ids if found.get(sid, default).tolerance_bp > 0}


def percent_text(bp: int) -> str:
    """500 -> '5', 250 -> '2.5' (for '±5 %')."""
    return f"{Decimal(bp) / 100:f}".rstrip("0").rstrip(".") if bp % 100 else str(bp // 100)


@atomic()
def save_tolerance(shop, percent, charge_over: bool | None = None) -> ShopTerms:
    """The merchant's setting, in percent (0–20, up to two decimals), and whether an overage is
    charged (None: unchanged). Orders already placed keep the terms their buyer accepted."""
    try:
        value = Decimal(str(percent).strip())
    except (decimal.InvalidOperation, ValueError):
        raise CartError(_("误差范围必须是 0 到 20 之间的数字"), field="tolerance") from None
    if not value.is_finite() or value < 0 or value > MAX_TOLERANCE_BP / 100 or value != value.quantize(Decimal("0.01")):
        raise CartError(_("误差范围必须是 0 到 20 之间的数字"), field="tolerance")
    terms = db.session.scalar(sa.select(ShopTerms).where(ShopTerms.shop_id == shop.id)) or ShopTerms(shop_id=shop.id)
    terms.weigh_tolerance_bp = int(value * 100)
    if charge_over is not None:
        terms.charge_overweight = bool(charge_over)
    db.session.add(terms)
    return terms


def parse_weight(raw, unit: str) -> int:
    """What the merchant typed (in the line's unit, e.g. '9.7' kg) to grams, or CartError."""
    text = (raw or "").strip() if isinstance(raw, str) else str(raw if raw is not None else "")
    if not text or len(text) > 14:
        raise CartError(_("请填写实际重量"), field="actual")
    try:
        value = Decimal(text)
    except decimal.InvalidOperation:
        raise CartError(_("实际重量必须是数字"), field="actual") from None
    if not value.is_finite() or value <= 0:
        raise CartError(_("实际重量必须大于 0"), field="actual")
    if value > 10**9:
        raise CartError(_("实际重量不合理"), field="actual")
    grams = (value * weight_grams(unit)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if grams <= 0:
        raise CartError(_("实际重量必须大于 0"), field="actual")
    return int(grams)


def format_weight(grams: int, unit: str) -> str:
    """Grams in the line's unit, without trailing zeros: 9700 g in kg -> '9.7'."""
    value = Decimal(grams) / weight_grams(unit)
    return f"{value.normalize():f}" if value != value.to_integral() else str(int(value))


def weighings_of(order: Order) -> dict[int, LineWeighing]:
    rows = db.session.scalars(sa.select(LineWeighing).where(LineWeighing.order_id == order.id))
    return {row.order_line_id: row for row in rows}


def _line(order: Order, line_id) -> OrderLine:
    try:
        wanted = int(line_id)
    except (TypeError, ValueError):
        wanted = None
    line = next((ln for ln in order.lines if ln.id == wanted), None)
    if line is None:
        raise CartError(_("订单中没有这个商品"), status=404, code="not_found")
    if line.weigh_tolerance_bp is None or not is_weight_unit(line.unit):
        raise CartError(_("这件商品不按重量结算"), status=409, code="not_weighed")
    return line


def record_weight(order: Order, line_id, actual, actor) -> LineWeighing:
    """Record the actual weight of a weighed line once; settle the difference and the stock.

    A second submit of the same weight returns the first weighing (one effect); a different weight
    for a line already weighed is refused (409)."""
    line = _line(order, line_id)
    grams = parse_weight(actual, line.unit)
    found = db.session.scalar(sa.select(LineWeighing).where(LineWeighing.order_line_id == line.id))
    if found is None:
        try:
            with atomic():
                return _record(order, line, grams, actor)
        except IntegrityError:  # a concurrent twin weighed it first
            found = db.session.scalar(sa.select(LineWeighing).where(LineWeighing.order_line_id == line.id))
            if found is None:
                raise
    if found.actual_grams != grams:
        raise CartError(_("这件商品已经称重结算过了"), status=409, code="already_weighed")
    return found


def _record(order: Order, line: OrderLine, grams: int, actor) -> LineWeighing:
    if order.status not in WEIGHABLE:
        raise CartError(_("订单当前状态不能称重结算"), status=409, code="not_weighable")
    per_unit = weight_grams(line.unit)
    ordered = line.quantity * per_unit
    margin = money.percent_of(ordered, line.weigh_tolerance_bp)
    if not ordered - margin <= grams <= ordered + margin:
        raise CartError(_("实际重量 %(actual)s %(unit)s 超出买家接受的误差范围（±%(pct)s%%，%(low)s–%(high)s %(unit)s）",
                          actual=format_weight(grams, line.unit), unit=line.unit,
                          pct=percent_text(line.weigh_tolerance_bp), low=format_weight(ordered - margin, line.unit),
                          high=format_weight(ordered + margin, line.unit)),
                        status=422, code="outside_tolerance", field="actual")
    diff = grams - ordered
    units = int((Decimal(abs(diff)) / per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    delta = units if diff < 0 else -units
    weighing = LineWeighing(order_line_id=line.id, order_id=order.id, ordered_grams=ordered, actual_grams=grams,
                            tolerance_bp=line.weigh_tolerance_bp,
                            difference_cents=money.prorate(line.unit_price_cents, diff, per_unit),
                            stock_delta=delta if line.variant_id is not None else 0,
                            actor_id=getattr(actor, "id", None))
    db.session.add(weighing)
    db.session.flush()  # the unique line refuses a twin here
    # through orders.line_stock: a domain keeping the stock in batches (trace) moves the line's batch too
    if weighing.stock_delta > 0:
        line_stock.put_back(order, {line.id: delta}, kind="weighed", actor_id=weighing.actor_id)
    elif weighing.stock_delta < 0:
        try:
            line_stock.take(order, {line.id: -delta}, kind="weighed", actor_id=weighing.actor_id)
        except StockShort:
            raise CartError(_("库存不足以记录多出的重量，请先调整库存"), status=409, code="out_of_stock") from None
    line_weighed.send(current_app._get_current_object(), weighing=weighing, order=order, actor=actor)
    from orders import terms_notify

    terms_notify.weighed(order, weighing, line, format_weight(grams, line.unit))
    return weighing


def settle_charges(order: Order, via: str) -> None:
    """Mark the order's overages paid ``via`` the statement or the payment at handover as settled
    (in the caller's transaction, when payments books that money)."""
    from marketplace.db import utcnow

    db.session.execute(sa.update(LineWeighing).where(
        LineWeighing.order_id == order.id, LineWeighing.charge_via == via, LineWeighing.charge_settled_at.is_(None))
        .values(charge_settled_at=utcnow()).execution_options(synchronize_session=False))
