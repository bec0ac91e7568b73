"""Demo products for the demo shops (``seed-demo`` calls seed_demo_catalog). Idempotent by product code."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import time
from functools import lru_cache

import sqlalchemy as sa

from catalog.categories import load_categories
from catalog.models import Category, Product, ProductStatus
from catalog.seed_data import BY_TYPE_COUNTY, CATALOG, COLOURS
from marketplace import money
from marketplace.db import as_utc, at_time, atomic, utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop, ShopStatus

IMAGE_SIZE = 480


@lru_cache(maxsize=1)
def _font_path() -> str | None:
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}|%{file}", "WenQuanYi Micro Hei"], capture_output=True,
                             text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _sep, path = out.partition("|")
    if path and any(k in family for k in ("WenQuanYi", "CJK", "Hei", "Han Sans", "Droid Sans Fallback")):
        return path
    return None


@lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    path = _font_path()
    if not path:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return None


def product_photo(title: str, colour: tuple[int, int, int], seed: int = 0) -> bytes:
    """A square demo photo: a coloured card with the product's name (shapes only without a CJK font)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), colour)
    draw = ImageDraw.Draw(img)
    light = tuple(min(255, c + 60) for c in colour)
    r = 60 + seed % 7 * 15
    draw.ellipse((IMAGE_SIZE - r * 2 - 30, 30, IMAGE_SIZE - 30, 30 + r * 2), fill=light)
    draw.rectangle((0, IMAGE_SIZE - 90, IMAGE_SIZE, IMAGE_SIZE), fill=(255, 255, 255))
    font = _font(42)
    if font is not None:
        words = title.split(" ")
        lines, line = [], ""
        for word in words:
            if len(line) + len(word) > 9 and line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        y = IMAGE_SIZE // 2 - 30 * len(lines[:3])
        for text in lines[:3]:
            draw.text((IMAGE_SIZE // 2, y), text[:12], font=font, fill=(255, 255, 255), anchor="mm")
            y += 60
        small = _font(26)
        draw.text((IMAGE_SIZE // 2, IMAGE_SIZE - 45), "商丘本地集市 · 演示图片", font=small, fill=colour, anchor="mm")
    else:
        draw.polygon([(90, 320), (240, 120), (390, 320)], fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def _tiers(price_cents: int, spec) -> list[tuple[int, int]]:
    if spec is None:  # default ladder: 10+ at 95 %, 100+ at 90 %, rounded down to 10 fen
        return [(10, money.percent_of(price_cents, 9500) // 10 * 10), (100, money.percent_of(price_cents, 9000) // 10 * 10)]
    return [(q, money.parse_amount(p)) for q, p in spec]


def _variant(spec) -> dict:
    name, unit, price, stock, moq, step, grams, tiers = spec
    cents = money.parse_amount(price)
    ladder = [(q, min(p, cents)) for q, p in _tiers(cents, tiers) if q > 1]
    return {"name": name, "unit": unit, "price_cents": cents, "stock": stock, "moq": moq, "step": step,
            "weight_grams": grams, "tiers": ladder}


def listed_at(shop: Shop, n: int) -> dt.datetime:
    """When the shop's n-th demo product was listed: a few hours apart from the day after the shop
    opened; every sixth one in the last two weeks (new listings for the home page)."""
    now = utcnow()
    if n % 6 == 0:
        return now - dt.timedelta(days=(n * 7 + shop.id) % 13 + 1, hours=n % 9)
    opened = as_utc(shop.approved_at or shop.created_at) or now
    return min(opened + dt.timedelta(days=1, hours=4 * n), now - dt.timedelta(days=14))


def _builder_for(shop: Shop):
    if shop.slug in CATALOG:
        return CATALOG[shop.slug]
    county = shop.region
    while county is not None and county.level != RegionLevel.COUNTY:
        county = county.parent
    return BY_TYPE_COUNTY.get((shop.shop_type.value, county.name if county else ""))


def seed_demo_catalog(progress=None) -> str:
    """Categories plus a few hundred products with photos across the approved demo shops."""
    from catalog.images import add_image
    from catalog.services import create_product

    started = time.monotonic()
    load_categories()
    categories = {c.code: c for c in db.session.scalars(sa.select(Category))}
    from marketplace.regions.services import descendant_ids, home_city

    regions: dict[str, Region] = {}  # origins are the city's places (counties first)
    city = home_city()
    for region in db.session.scalars(sa.select(Region).where(Region.id.in_(descendant_ids(city) if city else []))
                                     .order_by(Region.level, Region.code)):
        regions.setdefault(region.name, region)
    shops = list(db.session.scalars(sa.select(Shop).where(Shop.status == ShopStatus.APPROVED).order_by(Shop.id)))
    created = skipped = photos = 0
    for shop in shops:
        builder = _builder_for(shop)
        if builder is None:
            continue
        with atomic():  # one transaction per shop
            prefix, specs = builder()
            existing = set(db.session.scalars(sa.select(Product.code).where(Product.shop_id == shop.id)))
            actor = shop.members[0].user if shop.members else None
            for n, (title, cat_code, origin, subtitle, attributes, certs, variants) in enumerate(specs, start=1):
                code = f"{prefix}-{n:03d}"
                if code in existing:
                    skipped += 1
                    continue
                description = (f"**{title}**\n\n{subtitle}。\n\n" + "\n".join(f"- {k}：{v}" for k, v in attributes)
                               + f"\n\n由 {shop.name} 供应，欢迎来电洽谈批发价。")
                status = ProductStatus.DRAFT if n % 17 == 0 else ProductStatus.PUBLISHED
                with at_time(listed_at(shop, n)):
                    product = create_product(shop, actor, {
                        "title": title, "subtitle": subtitle, "code": code, "category": categories[cat_code],
                        "origin": regions.get(origin) or shop.region, "attributes": attributes,
                        "certifications": certs, "description": description},
                        [_variant(v) for v in variants], status=status)
                    add_image(product, product_photo(title, COLOURS[cat_code.split(".")[0]], n), actor)
                photos += 1
                created += 1
                if progress:
                    progress(1)
    return (f"{created} products created ({photos} photos), {skipped} already there, "
            f"in {time.monotonic() - started:.1f} s")
