"""Units of an order's lines that come back into stock or leave it after the order was placed: a
refund's or an after-sale's restock, a line weighed at handover (more or less than ordered).

payments, aftersales and orders.weighing call these two verbs, not the stock module directly, so a
domain that keeps a variant's stock in finer parts (trace: production batches) hears of every such
unit by order line, in the same transaction, through the hooks it registers here (orders imports no
domain built on it):

* ``PUT_BACK``: callables ``(order, {line id: units}, *, actor_id) -> {line id: units withheld}``.
  A hook returns the units that must NOT become sellable again (trace: units that came back from a
  recalled or expired batch); the rest are released to stock. A hook may raise a DomainError to
  refuse (the caller's transaction rolls back).
* ``TAKE``: callables ``(order, {line id: units}, *, actor_id) -> None``, after the stock module
  took the units; raising refuses (trace: no active batch can give them).

Hooks run before the variants' rows are locked for the release (trace locks batches, then the
stock module locks variants: the order every batch verb uses).
"""

from __future__ import annotations

from collections.abc import Mapping

from catalog.services.stock import StockShort, record_movements, release_many, reserve_many
from orders.models import Order

PUT_BACK: list = []
TAKE: list = []


def _by_variant(order: Order, units: Mapping[int, int]) -> dict[int, int]:
    variant_of = {line.id: line.variant_id for line in order.lines}
    quantities: dict[int, int] = {}
    for line_id, n in units.items():
        vid = variant_of.get(line_id)
        if vid is not None and n > 0:  # a variant deleted since: nothing to put back
            quantities[vid] = quantities.get(vid, 0) + n
    return quantities


def put_back(order: Order, units: Mapping[int, int], *, kind: str, actor_id: int | None = None,
             reason: str = "") -> dict[int, int]:
    """Put ``{order line id: units}`` of ``order`` back in stock (in the caller's transaction), less
    what a registered hook withholds; returns the units released per line."""
    variant_of = {line.id: line.variant_id for line in order.lines}
    wanted = {lid: n for lid, n in units.items() if n > 0 and variant_of.get(lid) is not None}
    if not wanted:
        return {}
    withheld: dict[int, int] = {}
    for hook in PUT_BACK:
        for lid, n in (hook(order, wanted, actor_id=actor_id) or {}).items():
            withheld[lid] = withheld.get(lid, 0) + n
    released = {lid: n - min(n, withheld.get(lid, 0)) for lid, n in wanted.items()}
    quantities = _by_variant(order, released)
    release_many(quantities, kind=kind, order_ids=dict.fromkeys(quantities, order.id), actor_id=actor_id,
                 reason=reason)
    return {lid: n for lid, n in released.items() if n}


def take(order: Order, units: Mapping[int, int], *, kind: str, actor_id: int | None = None) -> None:
    """Take ``{order line id: units}`` more of ``order``'s lines from stock (in the caller's
    transaction); StockShort when the stock is short (the caller rolls back and says so)."""
    quantities = _by_variant(order, units)
    if not quantities:
        return
    reserve_many(quantities)
    record_movements(quantities, -1, kind, dict.fromkeys(quantities, order.id), actor_id)
    for hook in TAKE:
        hook(order, {lid: n for lid, n in units.items() if n > 0}, actor_id=actor_id)


__all__ = ["PUT_BACK", "TAKE", "StockShort", "put_back", "take"]
