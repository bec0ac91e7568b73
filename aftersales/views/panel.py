"""The after-sales panel of the buyer's, the merchant's and the admin's order page (page blocks)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from aftersales import services
from aftersales.models import AfterSale, AfterSaleChange, ReturnShipping
from aftersales.status import KIND_LABELS, OPEN, REASON_LABELS, SHIPPING_LABELS
from marketplace.extensions import db


def order_panel(page: str):
    viewer = page.removesuffix("_order")

    def provider(order) -> dict:
        cases = list(db.session.scalars(
            sa.select(AfterSale).where(AfterSale.order_id == order.id).order_by(AfterSale.id.desc())
            .options(selectinload(AfterSale.lines), selectinload(AfterSale.photos),
                     selectinload(AfterSale.history).selectinload(AfterSaleChange.actor))))
        values = {"aftersales_panel": "aftersales/_panel.html", "after_sales": cases, "after_sale_viewer": viewer,
                  "after_sale_open": next((c for c in cases if c.status in OPEN), None),
                  "after_sale_shipping_choices": [(s.value, SHIPPING_LABELS[s]) for s in ReturnShipping],
                  "after_sale_lines": {line.id: line for line in order.lines}}
        if viewer == "buyer":
            values["after_sale_refusal"] = services.refusal(order) if not values["after_sale_open"] else None
            values["after_sale_window_ends"] = services.window_ends(order)
        return values

    provider.__name__ = f"aftersales_{viewer}_panel"
    return provider


def form_choices() -> dict:
    return {"kinds": list(KIND_LABELS.items()), "reasons": list(REASON_LABELS.items())}
