"""Licence fixtures: the category tree with seeds requiring a 种子生产经营许可证, a seed shop, and a
factory of licences written directly in a given state."""

from __future__ import annotations

import datetime as dt
import io

import pytest


def png_bytes(size=(40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 220, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def seeds(app, db):
    """农资/种子种苗, requiring a seed licence (and nothing else requiring anything)."""
    from catalog.categories import find_category, load_categories
    from licences.models import CategoryLicence, LicenceType

    load_categories()
    category = find_category("农资/种子种苗")
    db.session.add(CategoryLicence(category_id=category.id, licence_type=LicenceType.SEED))
    db.session.commit()
    return category


@pytest.fixture
def seed_shop(make_shop):
    return make_shop(name="柘城种业")


@pytest.fixture
def make_licence(db):
    """make_licence(shop, kind=SEED, status=VERIFIED, expires_in=365) -> a ShopLicence row."""
    from licences.models import LicenceStatus, LicenceType, ScanKind, ShopLicence
    from licences.services import local_today

    def make(shop, kind=LicenceType.SEED, status=LicenceStatus.VERIFIED, expires_in: int = 365, number="证123"):
        today = local_today()
        licence = ShopLicence(shop_id=shop.id, licence_type=kind, number=number, holder=shop.name, scope="种子",
                              issued_on=today - dt.timedelta(days=400), expires_on=today + dt.timedelta(days=expires_in),
                              scan_key="private/shop-licences/xx/none-1600.webp", scan_kind=ScanKind.IMAGE,
                              status=status)
        db.session.add(licence)
        db.session.commit()
        return licence

    return make
