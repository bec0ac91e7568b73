"""Requests as conversation subjects (messages.subjects): the request's buyer with a shop that quoted
for it (to agree on the details before he accepts); the card shows the request, its quantity and its
deadline, and links the buyer to the quotes, the shop to the request."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.units import unit_name
from marketplace.extensions import db
from messages.subjects import Card, register_subject
from sourcing.models import Quote, SourcingRequest


def cards(ids: list[int]) -> dict[int, Card]:
    rows = db.session.scalars(sa.select(SourcingRequest).where(SourcingRequest.id.in_(ids)))
    return {r.id: Card(title=_("求购：%(title)s", title=r.title), url=url_for("sourcing.compare", request_id=r.id),
                       shop_url=url_for("sourcing.request_page", request_id=r.id),
                       facts=(_("%(quantity)s %(unit)s · 报价截止 %(deadline)s", quantity=r.quantity,
                                unit=unit_name(r.unit), deadline=format_datetime(r.quote_deadline, 'short')),))
            for r in rows}


def may_discuss(user, request_id: int, shop_id: int | None) -> int | None:
    """The request's buyer, with a shop that quoted for it (anyone else, or another shop: None, a 404)."""
    if shop_id is None:
        return None
    found = db.session.execute(
        sa.select(Quote.shop_id).join(SourcingRequest, SourcingRequest.id == Quote.request_id)
        .where(Quote.request_id == request_id, Quote.shop_id == shop_id, SourcingRequest.buyer_id == user.id)).first()
    return found.shop_id if found is not None else None


def register(app) -> None:
    register_subject("request", card=cards, may_discuss=may_discuss, label=_l("求购"), app=app)
