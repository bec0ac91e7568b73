"""Every after-sales step is told to the other side (mail, or SMS to a phone-only account), in the
recipient's language, in the step's transaction (the outbox)."""

from __future__ import annotations

from aftersales.models import AfterSale
from orders.notify import to_buyer, to_merchants

#: event -> who hears of it
_AUDIENCE = {"requested": ("shop",), "approved": ("buyer",), "returned": ("shop",), "refused": ("buyer",),
             "withdrawn": ("shop",), "disputed": ("shop",), "ruled": ("buyer", "shop")}


def tell(request: AfterSale, event: str) -> None:
    audience = _AUDIENCE[event]
    if "buyer" in audience and not (event == "approved" and request.refund_id is not None):
        # an approval that refunded is told by the refund's own notice (order_refunded)
        to_buyer(request.order, "after_sale", after_sale=request, event=event)
    if "shop" in audience:
        to_merchants(request.order, "after_sale", after_sale=request, event=event)
