"""Supply posts as conversation subjects (messages.subjects, kind "supply"): any signed-in buyer may ask
the shop about an open post (messages refuses the shop's own members); once the post is withdrawn,
sold out or expired, only who already has a conversation about it goes on. The card shows the post,
its quantity, window and shop, and its first photo."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from catalog.units import unit_name
from marketplace.extensions import db
from marketplace.shops.models import Shop, ShopStatus
from marketplace.templating import media_url
from messages.models import Conversation
from messages.subjects import Card, register_subject
from sourcing.supply_models import SupplyPost, SupplyStatus

KIND = "supply"


def cards(ids: list[int]) -> dict[int, Card]:
    rows = db.session.scalars(sa.select(SupplyPost).where(SupplyPost.id.in_(ids))
                              .options(joinedload(SupplyPost.shop), selectinload(SupplyPost.photos)))
    return {r.id: Card(title=_("供应：%(title)s", title=r.title),
                       url=url_for("sourcing.supply_page", post_id=r.id) if r.status != SupplyStatus.WITHDRAWN else None,
                       shop_url=url_for("sourcing.supply_edit", post_id=r.id),
                       thumbnail=media_url(r.photos[0].thumb_key) if r.photos else None,
                       facts=(_("%(quantity)s %(unit)s · 供应期 %(start)s – %(end)s · %(shop)s", quantity=r.quantity,
                                unit=unit_name(r.unit), start=r.available_from.isoformat(),
                                end=r.available_until.isoformat(), shop=r.shop.name),))
            for r in rows}


def may_discuss(user, post_id: int, _shop_id: int | None) -> int | None:
    """An open post of an approved shop: its shop; a post no longer open: only for a buyer who
    already talks with the shop about it."""
    row = db.session.execute(sa.select(SupplyPost.shop_id, SupplyPost.status).where(SupplyPost.id == post_id)).first()
    if row is None:
        return None
    shop = db.session.get(Shop, row.shop_id)
    if row.status == SupplyStatus.OPEN and shop is not None and shop.status == ShopStatus.APPROVED:
        return row.shop_id
    had = db.session.scalar(sa.select(Conversation.id).where(
        Conversation.buyer_id == user.id, Conversation.shop_id == row.shop_id, Conversation.subject_kind == KIND,
        Conversation.subject_id == post_id))
    return row.shop_id if had is not None else None


def register(app) -> None:
    register_subject(KIND, card=cards, may_discuss=may_discuss, label=_l("供应"), app=app)
