"""The order figures of the dashboards: what a shop sold and what waits for it (merchant), and the
market's turnover by day, county and category (admin).

One definition of a sale for every figure. An order counts from the day it was placed (in the
site's time zone) once it is paid, or accepted to be paid at handover (货到付款), and as long as it
is not cancelled or expired: statuses ``SALE``. Its value is what the buyer was to pay (goods and
delivery, ``total_cents``) minus the refunds that succeeded on it. A cancelled order is left out
whole, so the refund of a cancelled paid order is not taken off a second time. Weighing differences
settled outside a refund (an overage charged, a shortfall taken off the cash at handover or off a
credit statement) are not counted.

Refunds belong to the payments domain, above this one: it registers SQL expressions of what was
given back (``register_refunds``), which every figure subtracts inside its one statement.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from orders.models import OrderStatus

S = OrderStatus

#: An order that sold: paid, or accepted unpaid to be paid at handover, and not cancelled or expired.
SALE = (S.PAID, S.ACCEPTED, S.SHIPPED, S.READY_FOR_PICKUP, S.DELIVERED, S.COMPLETED)

#: Per level ("order", "line_amount", "line_quantity"): functions of an id column (orders.id or
#: order_lines.id) returning a scalar SQL expression of what was refunded on it (payments fills them).
_REFUNDS: dict[str, list[Callable]] = {"order": [], "line_amount": [], "line_quantity": []}


def register_refunds(*, order: Callable, line_amount: Callable, line_quantity: Callable) -> None:
    """Let the figures take refunds off: each callable maps an id column to a scalar expression."""
    for key, source in (("order", order), ("line_amount", line_amount), ("line_quantity", line_quantity)):
        if source not in _REFUNDS[key]:
            _REFUNDS[key].append(source)


def refunded(level: str, id_column) -> sa.ColumnElement[int]:
    """What the registered sources say was refunded on the row ``id_column`` names (0 without any)."""
    parts = [source(id_column) for source in _REFUNDS[level]]
    return functools.reduce(operator.add, parts) if parts else sa.literal(0)


def register(app: Flask) -> None:
    """The orders' panels on the merchant's and the admin's dashboards (marketplace.domains.add_panel)."""
    from marketplace.domains import add_panel
    from orders.figures import admin, merchant

    add_panel(app, "merchant_actions", merchant.actions)
    add_panel(app, "merchant_dashboard", merchant.panels)
    add_panel(app, "admin_dashboard", admin.panels)
