"""Product cards from plain columns: what a card shows (catalog/_macros.html ``product_card``) read in
the listing's own statement as rows, turned into small snapshots — ``p.shop.name`` and
``p.origin.localized_name()`` work as on a Product — instead of three ORM objects per card (the
product, its shop, its origin) that a listing page never changes."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop, ShopStatus


class Snapshot:
    """A plain, picklable copy of a row's columns (what the templates read), with localized_name."""

    def __init__(self, **values):
        self.__dict__.update(values)

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name

    def __repr__(self) -> str:
        return f"<Snapshot {self.__dict__.get('code') or self.__dict__.get('id')}>"


def card_select() -> sa.Select:
    """The card columns of products, the shop's name and the origin joined, with no condition."""
    return (sa.select(Product.id, Product.title, Product.min_price_cents, Product.min_price_per_kg_cents,
                      Product.in_stock, Product.primary_image, Product.shop_id, Shop.name.label("shop_name"),
                      Region.id.label("origin_id"), Region.code.label("origin_code"),
                      Region.name.label("origin_name"), Region.name_en.label("origin_name_en"))
            .join(Shop, Shop.id == Product.shop_id).outerjoin(Region, Region.id == Product.origin_region_id))


def card_rows(*, approved_shops: bool = True) -> sa.Select:
    """The card columns of public products (published, not deleted; of an approved shop unless the
    page is the shop's own), the shop's name and the origin joined; add ``where`` and ``order_by``."""
    stmt = card_select().where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None))
    return stmt.where(Shop.status == ShopStatus.APPROVED) if approved_shops else stmt


def card(row) -> Snapshot:
    origin = (Snapshot(id=row.origin_id, code=row.origin_code, name=row.origin_name, name_en=row.origin_name_en)
              if row.origin_id is not None else None)
    return Snapshot(id=row.id, title=row.title, min_price_cents=row.min_price_cents,
                    min_price_per_kg_cents=row.min_price_per_kg_cents, in_stock=row.in_stock,
                    primary_image=row.primary_image, shop_id=row.shop_id,
                    shop=Snapshot(id=row.shop_id, name=row.shop_name), origin=origin)


def cards_by_id(ids) -> dict:
    """What a card shows of each public product among ``ids`` (hidden, deleted or of a shop not
    approved: left out), as snapshots by id, in one statement of plain columns (no ORM objects)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {row.id: card(row) for row in db.session.execute(_by_id_statement(), {"ids": ids})}


@functools.cache
def _by_id_statement() -> sa.Select:
    """cards_by_id()'s statement, built once (an expanding parameter for the ids)."""
    return card_rows().where(Product.id.in_(sa.bindparam("ids", expanding=True)))


class CardHtml:
    """Rendered product cards kept in this process, keyed by everything a card shows (the reader's
    language, the product's id, title, prices, stock, photo URL, shop and origin names): a key is its
    content, so a product edit, a sold-out variant or a photo whose sizes are now made gives a new key
    and an old card is never shown — no invalidation to get wrong. A card rendered from the macro
    (``catalog/_macros.html`` ``product_card``) costs a listing page about a tenth of a millisecond
    each; a kept one a dictionary lookup. At most ``size`` cards (the oldest go first)."""

    def __init__(self, size: int):
        import threading
        from collections import OrderedDict

        self.size = size
        self.cards: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def html(self, p, show_shop: bool = True):
        from flask import current_app

        from marketplace.i18n import current_locale_code

        env = current_app.jinja_env
        locale = current_locale_code()
        image = env.globals["product_image_url"](p.primary_image, 320)
        origin = p.origin.localized_name(locale) if show_shop and p.origin is not None else None
        key = (locale, show_shop, p.id, p.title, p.min_price_cents, p.min_price_per_kg_cents, p.in_stock, image,
               p.shop.name if show_shop else None, origin)
        html = self.cards.get(key)
        if html is None:
            macro = env.get_template("catalog/_macros.html").module.product_card
            html = macro(p, show_shop, image=image, origin=origin)  # Markup: an autoescaped template's macro
            if self.size:
                with self.lock:
                    self.cards[key] = html
                    while len(self.cards) > self.size:
                        self.cards.popitem(last=False)
        return html
