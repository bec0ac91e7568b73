"""Orders written directly with the times and statuses a dashboard test needs (placing them through
checkout cannot date them 40 days back), with succeeded or failed refunds."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re

from marketplace.db import utcnow
from marketplace.extensions import db
from orders.models import Fulfilment, Order, OrderGroup, OrderLine, OrderStatus

_n = itertools.count(1)
S = OrderStatus

#: The timestamp column each status sets (orders.status), so the rows look like real ones.
_STAMPS = {S.PAID: ["paid_at"], S.ACCEPTED: ["paid_at", "accepted_at"],
           S.SHIPPED: ["paid_at", "accepted_at", "shipped_at"],
           S.READY_FOR_PICKUP: ["paid_at", "accepted_at", "ready_at"],
           S.DELIVERED: ["paid_at", "accepted_at", "shipped_at", "delivered_at"],
           S.COMPLETED: ["paid_at", "accepted_at", "shipped_at", "delivered_at", "completed_at"],
           S.CANCELLED: ["cancelled_at"], S.EXPIRED: ["cancelled_at"]}


def day_at(window, index: int, hour: int = 3) -> dt.datetime:
    """``hour`` hours into the window's day ``index`` (negative: from the end; -1 is today), in UTC."""
    start = window.edges[index if index >= 0 else len(window.days) + index]
    return min(start + dt.timedelta(hours=hour), max(start, utcnow() - dt.timedelta(minutes=1)))


def sale(buyer, variant, *, at: dt.datetime, status: S = S.PAID, qty: int = 1, unit_price: int = 1000,
         fee: int = 0, expires_in: dt.timedelta = dt.timedelta(minutes=30), commit: bool = True) -> Order:
    """An order of ``qty`` x ``variant`` from its shop, placed at ``at``, now in ``status``."""
    n = next(_n)
    total = qty * unit_price + fee
    group = OrderGroup(buyer_id=buyer.id, idempotency_key=f"fig-{n}", subtotal_cents=qty * unit_price,
                       fee_cents=fee, total_cents=total, created_at=at, expires_at=at + expires_in)
    order = Order(group=group, shop_id=variant.product.shop_id, buyer_id=buyer.id, number=f"F{n:08d}", status=status,
                  fulfilment=Fulfilment.PICKUP, subtotal_cents=qty * unit_price, fee_cents=fee, total_cents=total,
                  created_at=at, expires_at=at + expires_in if status == S.PENDING_PAYMENT else at)
    for column in _STAMPS.get(status, []):
        setattr(order, column, at)
    order.lines.append(OrderLine(variant_id=variant.id, product_id=variant.product_id, product_title=variant.product.title,
                                 variant_name=variant.name, unit=variant.unit, quantity=qty, unit_price_cents=unit_price,
                                 base_price_cents=unit_price, line_total_cents=qty * unit_price))
    db.session.add(order)
    if commit:
        db.session.commit()
    return order


def refund(order: Order, amount: int, *, units: int = 0, succeeded: bool = True) -> None:
    """A refund of ``amount`` on the order (of ``units`` of its first line when given), paid back by
    a card payment of the order's group."""
    from payments.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundLine, RefundStatus

    n = next(_n)
    payment = Payment(group_id=order.group_id, method=PaymentMethod.STRIPE, status=PaymentStatus.SUCCEEDED,
                      amount_cents=order.total_cents, currency="CNY", idempotency_key=f"fig-pay-{n}")
    row = Refund(payment=payment, order_id=order.id, amount_cents=amount, idempotency_key=f"fig-refund-{n}",
                 status=RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED)
    if units:
        row.lines.append(RefundLine(order_line_id=order.lines[0].id, quantity=units, amount_cents=amount))
    db.session.add(row)
    db.session.commit()


def charts_of(page: str) -> dict[str, dict]:
    """Each chart's data (its data-chart attribute) by the id of its figure."""
    charts = {}
    for part in page.split('<figure class="chart-figure" id="')[1:]:
        chart_id, part = part.split('"', 1)
        data = re.search(r"data-chart='([^']+)'", part[:part.index("</figure>")])
        if data:  # a chart without rows (no county sold yet) has its sentence, not a chart
            charts[chart_id] = json.loads(html.unescape(data.group(1)))
    return charts


def table_row(page: str, table_id: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` in the table inside the element ``table_id``."""
    part = page[page.index(f'id="{table_id}"'):]
    part = part[:part.index("</table>")]
    row = re.search(r"<tr><th scope=\"row\">" + re.escape(label) + r"</th>(.*?)</tr>", part, re.S)
    assert row, f"no row {label!r} in {table_id}"
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
