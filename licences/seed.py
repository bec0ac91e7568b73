"""Demo licences: seeds and pesticides need their licences (the requirements), and the demo shops
that sell them hold verified ones; the farm-supply station's pesticide licence runs out within 30
days, so the warning and (a month later) the lapse can be seen. Idempotent; the demo products stay
published, since every shop that lists in these categories holds a valid licence."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from catalog.models import Category
from licences.models import (
    CategoryLicence,
    LicenceStatus,
    LicenceStatusChange,
    LicenceType,
    ScanKind,
    ShopLicence,
)
from licences.services import local_today, store_scan
from marketplace.accounts.models import User
from marketplace.db import at_time, utcnow
from marketplace.extensions import db
from marketplace.seed_data import ADMIN_EMAIL
from marketplace.shops.models import Shop

T = LicenceType
#: category code -> the licence types it requires
REQUIREMENTS = {"inputs.seed": (T.SEED,), "inputs.pesticide": (T.PESTICIDE,)}
#: (shop slug, type, number, scope, issued days ago, expires in days)
LICENCES = [
    ("xiayi-fengshou-nongzi", T.PESTICIDE, "农药经许（豫）41142220017", "农药（不含限制使用农药）零售", 1800, 20),
    ("xiayi-fengshou-nongzi", T.SEED, "D（豫商）农种许字（2024）第0117号", "不再分装的包装种子（西瓜、小麦、玉米）", 700, 1125),
    ("zhecheng-lajiao-hezuoshe", T.SEED, "C（豫商柘）农种许字（2023）第0021号", "辣椒种子生产、经营", 1000, 825),
    ("xiayi-shiyongjun-hezuoshe", T.SEED, "（豫）食用菌菌种许字（2024）第0033号", "食用菌栽培种、菌棒生产经营", 500, 1325),
]


def _scan(kind: LicenceType, number: str) -> bytes:
    """A stand-in scan, marked as a demo (the label in Chinese when a CJK font is installed)."""
    from PIL import Image, ImageDraw, ImageFont

    from licences.labels import TYPE_LABELS
    from marketplace.seed import cjk_font_path

    page = Image.new("RGB", (900, 620), (244, 248, 240))
    pen = ImageDraw.Draw(page)
    pen.rectangle((16, 16, 884, 604), outline=(30, 110, 60), width=8)
    font_file = cjk_font_path()
    for y, text, size in ((120, str(TYPE_LABELS[kind]) if font_file else kind.value, 46),
                          (260, number if font_file else "", 30), (420, "DEMO / 演示" if font_file else "DEMO", 36)):
        face = ImageFont.truetype(font_file, size) if font_file else ImageFont.load_default(size)
        pen.text((450, y), text, font=face, fill=(20, 60, 30), anchor="mm")
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


def _requirements() -> int:
    added = 0
    for code, kinds in REQUIREMENTS.items():
        category = db.session.scalar(sa.select(Category).where(Category.code == code))
        if category is None:
            continue
        have = set(db.session.scalars(sa.select(CategoryLicence.licence_type)
                                      .where(CategoryLicence.category_id == category.id)))
        for kind in set(kinds) - have:
            db.session.add(CategoryLicence(category_id=category.id, licence_type=kind))
            added += 1
    return added


def seed_demo(progress) -> dict:
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))
    today = local_today()
    made = 0
    for slug, kind, number, scope, issued_ago, expires_in in LICENCES:
        shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug))
        if shop is None or db.session.scalar(sa.select(ShopLicence.id).where(
                ShopLicence.shop_id == shop.id, ShopLicence.licence_type == kind).limit(1)) is not None:
            continue
        uploaded = utcnow() - dt.timedelta(days=min(issued_ago, 170))
        with at_time(uploaded):
            licence = ShopLicence(shop_id=shop.id, licence_type=kind, number=number, holder=shop.name, scope=scope,
                                  issued_on=today - dt.timedelta(days=issued_ago),
                                  expires_on=today + dt.timedelta(days=expires_in),
                                  scan_key=store_scan(ScanKind.IMAGE, _scan(kind, number)), scan_kind=ScanKind.IMAGE,
                                  status=LicenceStatus.VERIFIED, verified_at=uploaded + dt.timedelta(days=1),
                                  uploaded_by_id=None)
            db.session.add(licence)
            db.session.flush()
            db.session.add(LicenceStatusChange(licence_id=licence.id, from_status=None, to_status=LicenceStatus.PENDING))
            db.session.add(LicenceStatusChange(licence_id=licence.id, from_status=LicenceStatus.PENDING,
                                               to_status=LicenceStatus.VERIFIED, actor_id=getattr(admin, "id", None),
                                               created_at=uploaded + dt.timedelta(days=1)))
        made += 1
        progress(1)
    return {"licences": made, "requirements": _requirements()}
