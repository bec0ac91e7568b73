"""Products as conversation subjects (messages.subjects): any signed-in buyer may ask a published
product's shop about it; the card shows its title, photo, price and shop."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog import queries
from catalog.models import Product
from marketplace.extensions import db
from marketplace.templating import media_url, money_filter
from messages.subjects import Card, register_subject


def cards(ids: list[int]) -> dict[int, Card]:
    """Cards of products still public (one query)."""
    rows = db.session.scalars(queries.public_products().where(Product.id.in_(ids)))
    return {p.id: Card(title=p.title, url=url_for("catalog.product", product_id=p.id),
                       thumbnail=media_url(f"{p.primary_image}-320.webp") if p.primary_image else None,
                       facts=(_("%(price)s 起 · %(shop)s", price=money_filter(p.min_price_cents), shop=p.shop.name),))
            for p in rows}


def may_discuss(user, product_id: int, _shop_id: int | None) -> int | None:
    """A published product of an approved shop: its shop."""
    return db.session.scalar(queries.public_products().with_only_columns(Product.shop_id)
                             .where(Product.id == product_id)) if product_id else None


def register(app) -> None:
    register_subject("product", card=cards, may_discuss=may_discuss, label=_l("商品"), app=app)
