"""Acceptance: the buyer accepts one quote (all its lines or some) and it becomes an order with the
shop, at the quoted prices, through the order tables checkout writes (one group, one order, its
lines and first history row; listed variants reserve stock through catalog.services.stock as
checkout does). The buyer may take fewer units of a line than quoted; every price comes from the
stored quote lines (the tier price for the accepted quantity, sourcing.tiers), never from the
request. The
request's move to awarded is a conditional UPDATE: of two acceptances at once, one wins."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.models import Variant
from catalog.services.stock import StockShort, record_movements, reserve_many
from marketplace import money
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from orders.cart import CartError
from orders.checkout import own_address
from orders.models import Fulfilment, Order, OrderGroup, OrderLine, OrderStatus, OrderStatusChange
from orders.notify import notify_placed
from sourcing import notify
from sourcing import parsing as p
from sourcing.errors import SourcingError
from sourcing.models import Quote, QuoteStatus, RequestStatus, SourcingRequest, SourcingRequestChange
from sourcing.status import ACCEPTING, REQUEST_MACHINE
from sourcing.tiers import price_at


def quote_of(req: SourcingRequest, quote_id) -> Quote:
    """A quote of this request, or a 404 (a quote of another request is never reached through it)."""
    try:
        qid = int(str(quote_id).strip())
    except (TypeError, ValueError):
        qid = 0
    quote = db.session.scalar(sa.select(Quote).where(Quote.id == qid, Quote.request_id == req.id)) if qid else None
    if quote is None:
        raise SourcingError(_("没有找到这个报价"), status=404, code="not_found")
    return quote


def _picked(quote: Quote, line_ids) -> list:
    wanted = {str(i).strip() for i in (line_ids or ()) if str(i).strip()}
    if not wanted:
        return list(quote.lines)
    by_id = {str(line.id): line for line in quote.lines}
    if wanted - set(by_id):
        raise SourcingError(_("报价中没有这一行"), status=404, code="not_found")
    return [by_id[i] for i in sorted(wanted, key=int)]


def _quantities(quote: Quote, lines, raw) -> dict[int, int]:
    """The accepted quantity of each picked line: the quoted one unless the buyer asked for fewer
    (a whole number from 1 to the quoted quantity, and no more than a listed variant has in stock).
    ``raw`` maps line ids to the buyer's input; an id of no line of this quote is a 404."""
    raw = {str(k).strip(): v for k, v in (raw or {}).items()}
    known = {str(line.id) for line in lines}
    quote_lines = {str(line.id) for line in quote.lines}
    if set(raw) - quote_lines:
        raise SourcingError(_("报价中没有这一行"), status=404, code="not_found")
    out = {}
    for line in lines:
        value = raw.get(str(line.id)) if str(line.id) in known else None
        if value is None or str(value).strip() == "":
            out[line.id] = line.quantity
            continue
        try:
            qty = int(str(value).strip())
        except (TypeError, ValueError):
            qty = 0
        if not 1 <= qty <= line.quantity:
            raise SourcingError(_("“%(name)s”的接受数量须是 1 到 %(n)d 之间的整数", name=line.name, n=line.quantity),
                                field="quantity", code="bad_quantity")
        out[line.id] = qty
    for line in lines:
        if line.variant_id is not None:
            variant = db.session.get(Variant, line.variant_id)
            wanted = sum(out[other.id] for other in lines if other.variant_id == line.variant_id)
            if variant is None or not variant.active or variant.stock < wanted:
                left = variant.stock if variant is not None and variant.active else 0
                raise SourcingError(_("“%(name)s”库存不足：目前最多可接受 %(n)d", name=line.name, n=left),
                                    status=409, field="quantity", code="out_of_stock")
    return out


def refusal(req: SourcingRequest, quote: Quote) -> str | None:
    if req.status not in ACCEPTING or quote.status != QuoteStatus.SUBMITTED:
        return _("这条求购已不能接受报价")
    if quote.valid_until < p.local_today():
        return _("这个报价已过有效期")
    return None


def accept_quote(req: SourcingRequest, buyer, quote_id, *, line_ids=(), quantities=None, address_id=None,
                 note: str = "") -> Order:
    """The buyer accepts ``quote_id`` of his request ``req`` (the caller has checked it is his):
    the picked lines (all when none), each at the quoted quantity or the fewer units ``quantities``
    asks for (line id -> quantity), at the line's tier price for that quantity."""
    quote = quote_of(req, quote_id)
    why = refusal(req, quote)
    if why:
        raise SourcingError(why, status=409, code="not_allowed")
    lines = _picked(quote, line_ids)
    accepted = _quantities(quote, lines, quantities)
    try:
        address = own_address(buyer, address_id)
    except CartError as exc:
        raise SourcingError(str(exc), status=404, code="not_found", field="address") from None
    note = p.text(note, 300, field="note")
    now = utcnow()
    # A quote's order is paid like any other, but a business buyer pays by transfer on his terms: it
    # waits SOURCING_ORDER_PAYMENT_HOURS (not checkout's minutes) before it expires.
    timeout = max(dt.timedelta(minutes=current_app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"]),
                  dt.timedelta(hours=current_app.config["SOURCING_ORDER_PAYMENT_HOURS"]))
    priced = {}  # line id -> (unit price, tier threshold, total), from the stored line only
    for line in lines:
        price, tier = price_at(line, accepted[line.id])
        priced[line.id] = (price, tier, money.multiply(price, accepted[line.id]))
    subtotal = sum(total for _price, _tier, total in priced.values())
    quantities: dict[int, int] = {}
    for line in lines:
        if line.variant_id is not None:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + accepted[line.id]
    try:
        with atomic():
            REQUEST_MACHINE.move(req, RequestStatus.AWARDED, actor=buyer, note=_("接受报价 #%(id)d", id=quote.id))
            taken = db.session.execute(sa.update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.SUBMITTED)
                                       .values(status=QuoteStatus.ACCEPTED).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise SourcingError(_("这条求购已不能接受报价"), status=409, code="not_allowed")
            # A quote accepted again after its first order lapsed (sourcing.lapse) makes a new group.
            earlier = db.session.scalar(sa.select(sa.func.count()).select_from(SourcingRequestChange).where(
                SourcingRequestChange.request_id == req.id, SourcingRequestChange.to_status == RequestStatus.AWARDED))
            key = f"sourcing-quote-{quote.id}" + (f"-{earlier}" if earlier > 1 else "")
            group = OrderGroup(buyer_id=buyer.id, idempotency_key=key, created_at=now,
                               expires_at=now + timeout, subtotal_cents=subtotal, fee_cents=quote.freight_cents,
                               total_cents=subtotal + quote.freight_cents)
            db.session.add(group)
            db.session.flush()
            order = Order(group_id=group.id, buyer_id=buyer.id, shop_id=quote.shop_id,
                          number=f"{now:%Y%m%d}-{group.id:06d}-1", status=OrderStatus.PENDING_PAYMENT,
                          fulfilment=Fulfilment.DELIVERY, subtotal_cents=subtotal, fee_cents=quote.freight_cents,
                          total_cents=subtotal + quote.freight_cents, created_at=now, expires_at=group.expires_at,
                          note=(note or _("求购 #%(id)d 的报价", id=req.id))[:300], ship_recipient=address.recipient,
                          ship_phone=address.phone, ship_address=address.one_line()[:300],
                          ship_region_id=address.region_id)
            db.session.add(order)
            db.session.flush()
            for line in lines:
                price, tier, total = priced[line.id]
                db.session.add(OrderLine(
                    order_id=order.id, variant_id=line.variant_id, product_id=line.product_id,
                    product_title=line.name[:120], variant_name="", unit=line.unit, quantity=accepted[line.id],
                    unit_price_cents=price, base_price_cents=line.unit_price_cents,
                    tier_min_quantity=tier, line_total_cents=total, weight_grams=line.weight_grams))
            db.session.add(OrderStatusChange(order_id=order.id, from_status=None, to_status=OrderStatus.PENDING_PAYMENT,
                                             actor_id=buyer.id, note="", created_at=now))  # born with the order
            db.session.execute(sa.update(Quote).where(Quote.request_id == req.id, Quote.id != quote.id)
                               .values(status=QuoteStatus.NOT_CHOSEN).execution_options(synchronize_session=False))
            db.session.execute(sa.update(Quote).where(Quote.id == quote.id).values(order_id=order.id)
                               .execution_options(synchronize_session=False))
            req.order_id = order.id
            if quantities:
                record_movements(quantities, -1, "order", dict.fromkeys(quantities, order.id), buyer.id)
            db.session.flush()
            others = list(db.session.scalars(sa.select(Quote.shop_id).where(Quote.request_id == req.id,
                                                                            Quote.id != quote.id)))
            notify.to_shops(req, [quote.shop_id], "accepted", quote)
            notify.to_shops(req, others, "not_chosen")
            notify_placed(group)
            db.session.flush()
            reserve_many(quantities)  # last, as checkout does: the variant rows stay locked for the commit only
    except StockShort:
        raise SourcingError(_("库存不足，店铺暂时无法按这个报价供货，请联系店铺修改报价"), status=409,
                            code="out_of_stock") from None
    db.session.expire(quote)
    return order
