"""Stock verbs: a merchant's adjustments and stock given back by a refund, each with a recorded
movement.

Checkout takes stock through orders.stock (one conditional UPDATE for a whole order)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from catalog.models import (
    StockMovement,
    Variant,
)
from catalog.services.errors import CatalogError, OutOfStock
from catalog.services.validation import MAX_STOCK
from marketplace.db import atomic, utcnow
from marketplace.extensions import db


def change_stock(variant: Variant, delta: int, kind: str, reason: str, actor, order_id: int | None = None, *,
                 expected: int | None = None) -> bool:
    """Atomically add ``delta`` (negative to take) unless stock would go below zero (or, with
    ``expected``, unless the stock is no longer ``expected``); records a movement."""
    if delta == 0:
        return True
    stmt = sa.update(Variant).where(Variant.id == variant.id)
    if expected is not None:
        stmt = stmt.where(Variant.stock == expected)
    if delta < 0:
        stmt = stmt.where(Variant.stock >= -delta)
    result = db.session.execute(stmt.values(stock=Variant.stock + delta).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.add(StockMovement(variant_id=variant.id, delta=delta, kind=kind, reason=(reason or "")[:200],
                                 actor_id=getattr(actor, "id", None), order_id=order_id))
    db.session.flush()
    db.session.refresh(variant, ["stock"])
    product = variant.product
    product.in_stock = any(v.sellable for v in product.variants)
    product.updated_at = utcnow()
    return True


@atomic()
def adjust_stock(variant: Variant, delta: int, reason: str, actor) -> Variant:
    """A merchant's stock correction (+ received, - damaged/sold offline) with a required reason."""
    reason_ = (reason or "").strip()
    if not reason_:
        raise CatalogError(errors={"reason": [_("请填写调整原因")]})
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_STOCK:
        raise CatalogError(errors={"delta": [_("调整数量必须是非零整数")]})
    if delta > 0 and current_stock(variant) + delta > MAX_STOCK:
        raise CatalogError(errors={"delta": [_("库存最多 %(n)d", n=MAX_STOCK)]})
    if not change_stock(variant, delta, "adjust", reason_, actor):
        raise OutOfStock(errors={"delta": [_("库存不能为负数：当前库存 %(n)d，最多可减少 %(n)d",
                                             n=current_stock(variant))]})
    return variant


@atomic()
def set_stock(variant: Variant, stock: int, reason: str, actor) -> Variant:
    """Set the stock to a counted figure (an ERP's or a stocktake's), recorded as an adjustment by
    the difference. The write is conditional on the stock read just before, so a sale committed
    in between is not overwritten silently: the count is applied again to the new figure."""
    reason_ = (reason or "").strip()
    if not reason_:
        raise CatalogError(errors={"reason": [_("请填写调整原因")]})
    if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
        raise CatalogError(errors={"stock": [_("库存必须是不小于 0 的整数")]})
    for _attempt in range(5):
        current = current_stock(variant)
        if current == stock or change_stock(variant, stock - current, "adjust", reason_, actor, expected=current):
            return variant
    raise CatalogError(_("库存正在变化，请稍后重试"), status=409, code="stock_changing")


def current_stock(variant: Variant) -> int:
    return db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant.id)) or 0


def release_stock(variant: Variant, quantity: int, *, kind: str = "order_cancelled", order_id: int | None = None,
                  actor=None, reason: str = "") -> None:
    """Give back units of a cancelled/expired/refunded order (in the caller's transaction)."""
    if quantity <= 0:
        raise CatalogError(_("数量必须大于 0"))
    change_stock(variant, quantity, kind, reason, actor, order_id)


def stock_history(variant_ids: list[int], limit: int = 100) -> list[StockMovement]:

    return list(db.session.scalars(sa.select(StockMovement).where(StockMovement.variant_id.in_(variant_ids))
                                   .options(selectinload(StockMovement.actor))
                                   .order_by(StockMovement.id.desc()).limit(limit)))
