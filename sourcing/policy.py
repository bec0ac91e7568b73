"""Who reaches which request: its buyer always; a shop's members when it is public, or their shop
may quote on it, or already did; anyone the public ones. Any other id is a 404."""

from __future__ import annotations

from flask import abort

from marketplace.extensions import db
from marketplace.shops.policy import membership_of
from sourcing import matching
from sourcing.models import Quote, RequestStatus, SourcingRequest, Visibility

#: Statuses a stranger (the board, a shop that did not quote) may see.
PUBLISHED = (RequestStatus.OPEN, RequestStatus.CLOSED, RequestStatus.EXPIRED, RequestStatus.AWARDED)


def buyer_request_or_404(request_id: int, user) -> SourcingRequest:
    req = db.session.get(SourcingRequest, request_id)
    if req is None or req.buyer_id != user.id:
        abort(404)
    return req


def user_shop(user):
    member = membership_of(user)
    return member.shop if member is not None else None


def quoted(req: SourcingRequest, shop) -> bool:
    return shop is not None and db.session.scalar(
        db.select(Quote.id).where(Quote.request_id == req.id, Quote.shop_id == shop.id)) is not None


def may_see(user, req: SourcingRequest, shop=None) -> bool:
    if getattr(user, "is_authenticated", False) and req.buyer_id == user.id:
        return True
    if req.status not in PUBLISHED:
        return False
    if req.visibility == Visibility.PUBLIC:
        return True
    return shop is not None and (quoted(req, shop) or matching.may_quote(req, shop))


def visible_request_or_404(request_id: int, user, shop=None) -> SourcingRequest:
    req = db.session.get(SourcingRequest, request_id)
    if req is None or not may_see(user, req, shop):
        abort(404)
    return req
