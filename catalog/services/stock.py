"""The one stock module: every rule about a variant's stock lives here, and every domain calls it.

* In stock: ``Variant.sellable`` (active, and at least the moq in stock) is the one rule; each verb
  here keeps the listing flag ``Product.in_stock`` true to it.
* A merchant's adjustments and counts (adjust_stock, set_stock), each with a recorded movement;
  refused for a variant another domain keeps in finer parts (trace: its batches), which registers
  a stock guard here (register_stock_guard; catalog imports no domain built on it).
* Orders: reserve_many takes a whole order's stock at checkout and release_many gives it back (an
  order cancelled or expired, units a refund or a return puts back), one conditional UPDATE each
  whatever the number of lines, rows locked in a fixed order, so two checkouts never deadlock.
  Stock can never go negative (a CHECK constraint backs the conditional updates), and every change
  is a StockMovement: a variant's stock equals the sum of its movements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from catalog.home_cache import GROUP as CATALOGUE
from catalog.models import Product, StockMovement, Variant
from catalog.services.errors import CatalogError, OutOfStock
from catalog.services.validation import MAX_STOCK
from marketplace.cache import bump_after_commit
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


#: Other domains' reasons a variant's stock may not be edited directly (the stock page, the API, a
#: CSV import), by name (registering again replaces: an app built twice registers once). A guard is
#: ``guard(variant_ids) -> {variant_id: message in the user's language}`` for the refused ones, so a
#: CSV import of hundreds of variants asks once. trace/ refuses its batch-tracked variants, whose
#: stock changes only through their batches (received, written off, shipped, returned).
_STOCK_GUARDS: dict[str, Callable[[list[int]], Mapping[int, str]]] = {}


def register_stock_guard(name: str, guard: Callable[[list[int]], Mapping[int, str]]) -> None:
    _STOCK_GUARDS[name] = guard


def stock_edit_refusals(variant_ids: Iterable[int]) -> dict[int, str]:
    """{variant_id: why its stock cannot be edited directly} for the refused ones among ``variant_ids``."""
    ids = sorted({vid for vid in variant_ids if vid is not None})
    refused: dict[int, str] = {}
    for guard in _STOCK_GUARDS.values() if ids else ():
        for vid, message in guard(ids).items():
            refused.setdefault(vid, message)
    return refused


def check_stock_edit(variant: Variant, field: str) -> None:
    """Refuse (409, ``stock_tracked``) a direct edit of a variant a registered guard keeps elsewhere."""
    message = stock_edit_refusals([variant.id]).get(variant.id)
    if message:
        raise CatalogError(message, errors={field: [message]}, status=409, code="stock_tracked")


@atomic()
def adjust_stock(variant: Variant, delta: int, reason: str, actor) -> Variant:
    """A merchant's stock correction (+ received, - damaged/sold offline) with a required reason."""
    reason_ = (reason or "").strip()
    if not reason_:
        raise CatalogError(errors={"reason": [_("请填写调整原因")]})
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_STOCK:
        raise CatalogError(errors={"delta": [_("调整数量必须是非零整数")]})
    check_stock_edit(variant, "delta")
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
    check_stock_edit(variant, "stock")
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


# --- orders: a whole order at once ---------------------------------------------------------------
# Stock reservation for orders: atomic conditional updates, a fixed lock order, constant SQL count.
#
# One order may hold many lines; reserving them one UPDATE each would make placement cost grow with
# the cart. Instead the rows are locked in ascending id order (``SELECT ... FOR UPDATE`` on
# PostgreSQL, a CTE of the same statement; SQLite serialises writers anyway) and decremented by ONE
# conditional UPDATE whose CASE gives each row its quantity: a row whose stock is short is simply not updated, so the rows it
# returns tell whether every line was served. Stock can never go negative (and a CHECK constraint backs it).

class StockShort(Exception):
    """At least one variant had less stock than asked for; nothing may be kept of the transaction."""


def _case(quantities: Mapping[int, int]):
    return sa.case(dict(quantities), value=Variant.id, else_=0)


def reserve_many(quantities: Mapping[int, int]) -> None:
    """Take ``{variant_id: quantity}`` from stock in the caller's transaction, or raise StockShort.

    Call it as late as possible, just before the commit: from here on the variant rows stay locked
    until the transaction ends, and popular variants are wanted by every other checkout. Rows that
    reference the variants (order lines, stock movements) may be inserted before: their foreign key
    takes a KEY SHARE lock on PostgreSQL, which does not conflict with the FOR NO KEY UPDATE lock
    taken here (nor with the UPDATE of the stock, a non-key column). After StockShort the caller
    MUST roll back (some rows may have been decremented). Record the movements with
    record_movements().
    """
    if not quantities:
        return
    ids = sorted(quantities)
    stmt = (sa.update(Variant).where(Variant.id.in_(ids), Variant.stock >= _case(quantities))
            .values(stock=Variant.stock - _case(quantities)))
    if len(ids) > 1 and db.session.get_bind().dialect.name == "postgresql":
        # Locked in ascending id order within the same statement (a CTE whose rows the UPDATE
        # joins): two checkouts sharing variants can never deadlock, and the reservation is one
        # round trip whatever the number of lines. (One row needs no order; SQLite serialises
        # writers.) A row the CTE waited for is re-checked by the UPDATE against its new stock.
        locked = (sa.select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id)
                  .with_for_update(key_share=True).cte("locked"))
        stmt = stmt.where(Variant.id == locked.c.id)
    left = db.session.execute(stmt.returning(Variant.id, Variant.stock, Variant.moq)
                              .execution_options(synchronize_session=False)).all()
    if len(left) != len(ids):
        # Some rows were short and kept their stock; the others were decremented. The caller
        # rolls the whole transaction back (see checkout.place_order), then asks short_of().
        raise StockShort()
    # Taking stock can only turn a product's in_stock flag off, and only when a variant fell below
    # its moq (Variant.sellable: the one rule).
    sold_out = [vid for vid, stock, moq in left if stock < moq]
    if sold_out:
        refresh_in_stock(sold_out)
        # Stock taken at checkout does not bump the catalogue's caches (that would empty them at the
        # order rate), but a variant that sold out must stop being offered at once.
        bump_after_commit(CATALOGUE)


def short_of(quantities: Mapping[int, int]) -> list[int]:
    """Variant ids whose current stock is below the wanted quantity (after a StockShort rollback)."""
    stock = dict(db.session.execute(sa.select(Variant.id, Variant.stock).where(Variant.id.in_(list(quantities)))).all())
    return [vid for vid in sorted(quantities) if stock.get(vid, 0) < quantities[vid]]


def release_many(quantities: Mapping[int, int], *, kind: str, order_ids: Mapping[int, int] | None = None,
                 actor_id: int | None = None, reason: str = "") -> None:
    """Give stock back (an order cancelled or expired, units a refund restocks): one UPDATE whatever
    the number of lines."""
    quantities = {vid: qty for vid, qty in quantities.items() if vid is not None and qty > 0}
    if not quantities:
        return
    ids = sorted(quantities)
    db.session.execute(sa.select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id)
                       .with_for_update(key_share=True))
    after = db.session.execute(sa.update(Variant).where(Variant.id.in_(ids))
                               .values(stock=Variant.stock + _case(quantities))
                               .returning(Variant.id, Variant.stock, Variant.moq)
                               .execution_options(synchronize_session=False)).all()
    record_movements(quantities, 1, kind, order_ids, actor_id, reason=reason)
    refresh_in_stock(ids)
    if any(stock - quantities[vid] < moq <= stock for vid, stock, moq in after):  # sellable again: offered at once
        bump_after_commit(CATALOGUE)


def record_movements(quantities: Mapping[int, int], sign: int, kind: str, order_ids=None, actor_id=None, *,
                     reason: str = "") -> None:
    """One StockMovement per variant (one INSERT statement for all of them)."""
    rows = [{"variant_id": vid, "delta": sign * qty, "kind": kind, "reason": (reason or "")[:200],
             "actor_id": actor_id, "order_id": (order_ids or {}).get(vid)} for vid, qty in sorted(quantities.items())]
    db.session.execute(sa.insert(StockMovement), rows)


def refresh_in_stock(variant_ids: list[int]) -> None:
    """Keep the listing flag Product.in_stock true to the variants' stock (one statement), by the
    one rule (Variant.sellable)."""
    any_stock = sa.select(Variant.id).where(Variant.product_id == Product.id, Variant.sellable).exists()
    product_ids = sa.select(Variant.product_id).where(Variant.id.in_(variant_ids)).scalar_subquery()
    db.session.execute(sa.update(Product).where(Product.id.in_(product_ids)).values(in_stock=any_stock)
                       .execution_options(synchronize_session=False))
