"""The daily licence job (``licences.check_expiry``): warn a shop 30 days before a licence expires,
and when it lapses, mark it expired and take the shop's listings that needed it off sale.

Each effect happens once per event, however often the job runs and however many processes run it:
the warning is claimed with a conditional UPDATE of ``expiry_warned_at`` (NULL -> now), the lapse
with the state machine's conditional move (verified -> expired), and the listings are hidden and
the shop told in the same transaction as the claim.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.categories import descendant_ids
from catalog.models import Category, Product, ProductStatus
from catalog.services import move_product
from licences import notify
from licences.labels import type_label
from licences.models import CategoryLicence, LicenceStatus, ShopLicence
from licences.services import LICENCE_MACHINE, local_today, valid_types
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition

S = LicenceStatus


def _renewed(licence: ShopLicence, beyond: dt.date) -> bool:
    """The shop holds another verified licence of the type that runs past ``beyond``."""
    return db.session.scalar(sa.select(ShopLicence.id).where(
        ShopLicence.shop_id == licence.shop_id, ShopLicence.licence_type == licence.licence_type,
        ShopLicence.id != licence.id, ShopLicence.status == S.VERIFIED, ShopLicence.expires_on > beyond)
        .limit(1)) is not None


def warn_expiring(today: dt.date | None = None) -> int:
    """Warn each shop whose verified licence expires within LICENCE_WARN_DAYS, once; returns how many."""
    today = today or local_today()
    horizon = today + dt.timedelta(days=current_app.config["LICENCE_WARN_DAYS"])
    ids = list(db.session.scalars(sa.select(ShopLicence.id).where(
        ShopLicence.status == S.VERIFIED, ShopLicence.expiry_warned_at.is_(None),
        ShopLicence.expires_on >= today, ShopLicence.expires_on <= horizon).order_by(ShopLicence.id)))
    warned = 0
    for licence_id in ids:
        with atomic():
            claimed = db.session.execute(sa.update(ShopLicence).where(
                ShopLicence.id == licence_id, ShopLicence.expiry_warned_at.is_(None),
                ShopLicence.status == S.VERIFIED).values(expiry_warned_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount
            licence = db.session.get(ShopLicence, licence_id, populate_existing=True)
            if claimed == 1 and not _renewed(licence, licence.expires_on):
                notify.expiring(licence)
                warned += 1
    return warned


def _covered_categories(kind) -> list[int]:
    """The categories that require ``kind``, and every category below them."""
    roots = db.session.scalars(sa.select(Category).join(CategoryLicence, CategoryLicence.category_id == Category.id)
                               .where(CategoryLicence.licence_type == kind))
    return sorted({cid for root in roots for cid in descendant_ids(root)})


def hide_listings(licence: ShopLicence, today: dt.date) -> int:
    """Take the shop's public listings that need this licence's type off sale (unless it holds the
    type through another licence); each move has a history note. Returns how many."""
    if licence.licence_type in valid_types(licence.shop_id, today):
        return 0
    categories = _covered_categories(licence.licence_type)
    if not categories:
        return 0
    products = db.session.scalars(sa.select(Product).where(
        Product.shop_id == licence.shop_id, Product.status == ProductStatus.PUBLISHED,
        Product.category_id.in_(categories)).order_by(Product.id))
    note = _("%(licence)s（%(number)s）已过期", licence=type_label(licence.licence_type), number=licence.number)
    count = 0
    for product in products:
        move_product(product, ProductStatus.HIDDEN, None, note)
        count += 1
    return count


def lapse_expired(today: dt.date | None = None) -> int:
    """Expire each verified licence past its date, hiding the listings that needed it; returns how many."""
    today = today or local_today()
    ids = list(db.session.scalars(sa.select(ShopLicence.id).where(
        ShopLicence.status == S.VERIFIED, ShopLicence.expires_on < today).order_by(ShopLicence.id)))
    lapsed = 0
    for licence_id in ids:
        licence = db.session.get(ShopLicence, licence_id, populate_existing=True)
        try:
            with atomic():
                LICENCE_MACHINE.move(licence, S.EXPIRED, actor=None, note=_("已过有效期"))
                notify.lapsed(licence, hide_listings(licence, today))
        except InvalidTransition:  # another run moved it first: its effect is already done
            continue
        lapsed += 1
    return lapsed


def check_expiry() -> dict[str, int]:
    """The daily job: lapses first (a licence past its date is not warned about any more)."""
    return {"lapsed": lapse_expired(), "warned": warn_expiring()}
