"""Every sourcing notice, in one place: the notification types "sourcing.shop" and "sourcing.buyer"
(sourcing/notice_types.py), in the centre and by mail or SMS as the recipient chose, in his language,
in the step's transaction.

Events: to shops "new_request" (a matching request opened), "request_revised" and
"request_cancelled" (to the shops that quoted), "accepted" and "not_chosen"; to the buyer
"new_quote" and "quote_revised"; to both "order_lapsed" (the accepted quote's order expired unpaid or
was cancelled before payment: the request and its quotes stand again, sourcing.lapse)."""

from __future__ import annotations

from marketplace.mail.notices import notify
from marketplace.notifications.prefs import preloaded
from marketplace.web import absolute_url
from orders.notify import owners_by_shop
from sourcing.models import Quote, SourcingRequest

#: event -> who hears of it
EVENTS = {"new_request": "shop", "request_revised": "shop", "request_cancelled": "shop", "accepted": "shop",
          "not_chosen": "shop", "new_quote": "buyer", "quote_revised": "buyer", "order_lapsed": "both"}


def _sms(req: SourcingRequest) -> dict[str, str]:
    return {"request": req.title, "number": str(req.id)}


def to_shops(req: SourcingRequest, shop_ids, event: str, quote: Quote | None = None) -> None:
    """Tell the owners of ``shop_ids`` (one query for all of them)."""
    assert EVENTS[event] in ("shop", "both")
    link = absolute_url("sourcing.request_page", request_id=req.id)
    owners = [user for users in owners_by_shop(set(shop_ids)).values() for user in users]
    with preloaded([user.id for user in owners], ["sourcing.shop"]):
        for user in owners:
            notify(user, "sourcing", sms=_sms(req), sms_template="sourcing", req=req, quote=quote, event=event,
                   recipient=user, link=link, for_merchant=True)


def to_buyer(req: SourcingRequest, event: str, quote: Quote | None) -> None:
    assert EVENTS[event] in ("buyer", "both")
    notify(req.buyer, "sourcing", sms=_sms(req), sms_template="sourcing", req=req, quote=quote, event=event,
           recipient=req.buyer, link=absolute_url("sourcing.compare", request_id=req.id), for_merchant=False)
