"""Stock reservation for orders: atomic conditional updates, a fixed lock order, constant SQL count.

One order may hold many lines; reserving them one UPDATE each would make placement cost grow with
the cart. Instead the rows are locked in ascending id order (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers anyway) and decremented by ONE conditional UPDATE whose CASE
gives each row its quantity: a row whose stock is short is simply not updated, so the rows it
returns tell whether every line was served. Stock can never go negative (and a CHECK constraint backs it).
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from catalog.home_cache import GROUP as CATALOGUE
from catalog.models import Product, StockMovement, Variant
from marketplace.cache import bump_after_commit
from marketplace.extensions import db


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
    if len(ids) > 1:
        # Lock in ascending id order: two checkouts sharing variants can never deadlock. (One row
        # needs no order: the UPDATE below locks it.)
        db.session.execute(sa.select(Variant.id).where(Variant.id.in_(ids)).order_by(Variant.id)
                           .with_for_update(key_share=True))
    left = db.session.execute(
        sa.update(Variant)
        .where(Variant.id.in_(ids), Variant.stock >= _case(quantities))
        .values(stock=Variant.stock - _case(quantities))
        .returning(Variant.id, Variant.stock, Variant.moq)
        .execution_options(synchronize_session=False)
    ).all()
    if len(left) != len(ids):
        # Some rows were short and kept their stock; the others were decremented. The caller
        # rolls the whole transaction back (see checkout.place_order), then asks short_of().
        raise StockShort()
    # Taking stock can only turn a product's in_stock flag off, and only when a variant fell below
    # its moq (Variant.sellable: the one rule).
    sold_out = [vid for vid, stock, moq in left if stock < moq]
    if sold_out:
        _refresh_in_stock(sold_out)
        # Stock taken at checkout does not bump the catalogue's caches (that would empty them at the
        # order rate), but a variant that sold out must stop being offered at once.
        bump_after_commit(CATALOGUE)


def short_of(quantities: Mapping[int, int]) -> list[int]:
    """Variant ids whose current stock is below the wanted quantity (after a StockShort rollback)."""
    stock = dict(db.session.execute(sa.select(Variant.id, Variant.stock).where(Variant.id.in_(list(quantities)))).all())
    return [vid for vid in sorted(quantities) if stock.get(vid, 0) < quantities[vid]]


def release_many(quantities: Mapping[int, int], *, kind: str, order_ids: Mapping[int, int] | None = None,
                 actor_id: int | None = None) -> None:
    """Give stock back (an order cancelled or expired): one UPDATE whatever the number of lines."""
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
    record_movements(quantities, 1, kind, order_ids, actor_id)
    _refresh_in_stock(ids)
    if any(stock - quantities[vid] < moq <= stock for vid, stock, moq in after):  # sellable again: offered at once
        bump_after_commit(CATALOGUE)


def record_movements(quantities: Mapping[int, int], sign: int, kind: str, order_ids=None, actor_id=None) -> None:
    """One StockMovement per variant (one INSERT statement for all of them)."""
    rows = [{"variant_id": vid, "delta": sign * qty, "kind": kind, "reason": "",
             "actor_id": actor_id, "order_id": (order_ids or {}).get(vid)} for vid, qty in sorted(quantities.items())]
    db.session.execute(sa.insert(StockMovement), rows)


def _refresh_in_stock(variant_ids: list[int]) -> None:
    """Keep the listing flag Product.in_stock true to the variants' stock (one statement), by the
    one rule (Variant.sellable)."""
    any_stock = sa.select(Variant.id).where(Variant.product_id == Product.id, Variant.sellable).exists()
    product_ids = sa.select(Variant.product_id).where(Variant.id.in_(variant_ids)).scalar_subquery()
    db.session.execute(sa.update(Product).where(Product.id.in_(product_ids)).values(in_stock=any_stock)
                       .execution_options(synchronize_session=False))
