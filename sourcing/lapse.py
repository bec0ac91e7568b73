"""An awarded request whose order lapses: when the order an accepted quote became expires unpaid or
is cancelled before payment, the request takes quotes again (open, if its deadline is ahead and it
is below its maximum of quotes; else closed at its maximum, or expired past its deadline), its
quotes stand again (submitted: the accepted one and the ones not chosen), a history row says why,
and the buyer and the quoting shops are told.

Orders never import sourcing: this listens to ``orders.status.order_status_changed`` (sent inside
the order's move, in its transaction). Exactly once: the request row is locked and moved with the
state machine's conditional UPDATE (awarded -> ...), so a second firing or a second worker finds
it no longer awarded to that order and does nothing."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.db import as_utc, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders.models import OrderStatus
from sourcing import notify
from sourcing.models import Quote, QuoteStatus, RequestStatus, SourcingRequest
from sourcing.status import REQUEST_MACHINE

S = RequestStatus
#: The order moves that give an awarded request back: it ended before it was paid.
LAPSING = {OrderStatus.CANCELLED, OrderStatus.EXPIRED}


def on_order_status(sender, order, from_status, to_status, actor=None, note="", **extra) -> None:
    """Receiver of orders.status.order_status_changed."""
    if to_status in LAPSING and from_status == OrderStatus.PENDING_PAYMENT:
        reopen_for(order, expired=to_status == OrderStatus.EXPIRED)


def _target(req: SourcingRequest) -> RequestStatus:
    if req.quote_count >= req.max_quotes:
        return S.CLOSED
    if as_utc(req.quote_deadline) <= utcnow():
        return S.EXPIRED
    return S.OPEN


def reopen_for(order, *, expired: bool) -> SourcingRequest | None:
    """Give back the request awarded to ``order`` (in the caller's transaction); None when there is
    none, or another firing already did it."""
    req = db.session.scalar(sa.select(SourcingRequest).where(
        SourcingRequest.order_id == order.id, SourcingRequest.status == S.AWARDED)
        .with_for_update().execution_options(populate_existing=True))
    if req is None:
        return None
    target = _target(req)
    why = (_("订单 %(number)s 超时未付款", number=order.number) if expired
           else _("订单 %(number)s 在付款前取消", number=order.number))
    where = {S.OPEN: _("求购重新开放报价"), S.CLOSED: _("报价数已达上限，可重新选择报价"),
             S.EXPIRED: _("报价已截止，可重新选择报价")}[target]
    fields = {"order_id": None}
    if target == S.OPEN:
        fields["ended_at"] = None
    try:
        REQUEST_MACHINE.move(req, target, note=_("%(why)s，%(then)s", why=why, then=where), **fields)
    except InvalidTransition:
        return None  # another firing moved it first
    db.session.execute(sa.update(Quote).where(Quote.request_id == req.id,
                                              Quote.status.in_((QuoteStatus.ACCEPTED, QuoteStatus.NOT_CHOSEN)))
                       .values(status=QuoteStatus.SUBMITTED, order_id=None).execution_options(synchronize_session=False))
    for quote in db.session.scalars(sa.select(Quote).where(Quote.request_id == req.id)):
        db.session.expire(quote)
    shops = list(db.session.scalars(sa.select(Quote.shop_id).where(Quote.request_id == req.id)))
    notify.to_buyer(req, "order_lapsed", None)
    notify.to_shops(req, shops, "order_lapsed")
    return req
