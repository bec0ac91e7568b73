"""Shipping an order with the batches the merchant chose: the same orders service (ship or ready for
pickup), run with the choice in context so the allocation (trace.allocation) takes the chosen
batch for each listed line and first-expiring-first for the others."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.shops.policy import merchant_required
from orders import services
from orders.models import Fulfilment, OrderStatus
from orders.policy import merchant_order_or_404
from trace import bp
from trace.allocation import chosen_batches, fefo_key
from trace.models import Batch, BatchStatus


def line_batches(order) -> dict[int, list[Batch]]:
    """Each batch-tracked line's active batches with stock, first-expiring first."""
    variant_ids = [line.variant_id for line in order.lines if line.variant_id]
    batches = list(db.session.scalars(sa.select(Batch).where(
        Batch.variant_id.in_(variant_ids), Batch.status == BatchStatus.ACTIVE, Batch.remaining > 0))) if variant_ids else []
    by_variant: dict[int, list[Batch]] = {}
    for batch in sorted(batches, key=fefo_key):
        by_variant.setdefault(batch.variant_id, []).append(batch)
    return {line.id: by_variant[line.variant_id] for line in order.lines if line.variant_id in by_variant}


def _choices(form, options: dict[int, list[Batch]]) -> dict[int, int]:
    choices = {}
    for line_id, batches in options.items():
        raw = form.get(f"batch-{line_id}", "")
        if raw and raw != "auto":
            if not raw.isdigit() or int(raw) not in {b.id for b in batches}:
                abort(400)
            choices[line_id] = int(raw)
    return choices


@bp.route("/merchant/trace/orders/<int:order_id>/ship", methods=["GET", "POST"])
@merchant_required
def merchant_ship_batches(order_id: int, shop):
    order = merchant_order_or_404(order_id, shop)
    if order.status != OrderStatus.ACCEPTED:
        return redirect(url_for("orders.merchant_order", order_id=order.id))
    options = line_batches(order)
    error = None
    form = request.form
    if request.method == "POST":
        choices = _choices(form, options)
        try:
            with chosen_batches(choices):
                if order.fulfilment == Fulfilment.DELIVERY:
                    services.ship(order, current_user, form.get("carrier", ""), form.get("tracking_number", ""))
                else:
                    services.ready_for_pickup(order, current_user, form.get("pickup_code") or None)
        except DomainError as exc:
            error = exc.message
            db.session.rollback()
            options = line_batches(order)
        else:
            flash(_("已发货") if order.fulfilment == Fulfilment.DELIVERY else _("已通知买家到店自提"), "success")
            return redirect(url_for("orders.merchant_order", order_id=order.id))
    return render_template("trace/ship.html", order=order, options=options, form=form, error=error), (
        409 if error else 200)
