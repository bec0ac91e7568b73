"""Product photos through the shared image pipeline (marketplace.media): add, reorder, delete, primary."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.models import Product, ProductImage
from catalog.services import CatalogError, refresh_product
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.media import MediaError, discard, ingest_image
from marketplace.shops.policy import ensure_not_suspended

SIZES = (320, 800, 1600)
MAX_IMAGES = 12


@atomic()
def add_image(product: Product, data: bytes, actor=None, *, alt: str = "",
              skip_duplicate: bool = False) -> ProductImage | None:
    """Validate, re-encode and attach a photo at the end; the same picture twice is refused
    (with ``skip_duplicate``, as a re-import wants, it is skipped and None returned)."""
    ensure_not_suspended(product.shop)
    if len(product.images) >= MAX_IMAGES:
        raise CatalogError(_("每个商品最多 %(n)d 张图片", n=MAX_IMAGES))
    max_bytes = current_app.config.get("UPLOAD_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
    if len(data) > max_bytes:
        raise CatalogError(_("文件太大：不能超过 %(mb)s MB", mb=max_bytes // (1024 * 1024)))
    try:
        stored = ingest_image(data, prefix="public/products", sizes=SIZES)
    except MediaError as exc:
        raise CatalogError(str(exc)) from None
    if any(img.digest == stored.digest for img in product.images):
        if skip_duplicate:
            return None
        raise CatalogError(_("这张图片已经添加过了"))
    position = max((img.position for img in product.images), default=-1) + 1
    image = ProductImage(digest=stored.digest, variants={str(k): v for k, v in stored.variants.items()},
                         width=stored.width, height=stored.height, position=position,
                         alt=(alt or product.title)[:120])
    product.images.append(image)
    db.session.flush()
    refresh_product(product)
    return image


@atomic()
def reorder_images(product: Product, ordered_ids: list[int], actor=None) -> Product:
    """Put the photos in the given order (ids of this product's photos; unknown ids are refused)."""
    ensure_not_suspended(product.shop)
    by_id = {img.id: img for img in product.images}
    if sorted(ordered_ids) != sorted(by_id) or len(set(ordered_ids)) != len(ordered_ids):
        raise CatalogError(_("图片顺序无效，请刷新页面后重试"))
    for position, image_id in enumerate(ordered_ids):
        by_id[image_id].position = position
    product.images.sort(key=lambda i: i.position)
    refresh_product(product)
    return product


def move_image(product: Product, image: ProductImage, direction: int, actor=None) -> Product:
    """Move one photo a place earlier (-1) or later (+1)."""
    ids = [img.id for img in sorted(product.images, key=lambda i: (i.position, i.id))]
    i = ids.index(image.id)
    j = max(0, min(len(ids) - 1, i + (1 if direction > 0 else -1)))
    ids[i], ids[j] = ids[j], ids[i]
    return reorder_images(product, ids, actor)


def set_primary(product: Product, image: ProductImage, actor=None) -> Product:
    """Make a photo the first (primary) one."""
    ids = [img.id for img in sorted(product.images, key=lambda i: (i.position, i.id)) if img.id != image.id]
    return reorder_images(product, [image.id, *ids], actor)


def delete_image(product: Product, image: ProductImage, actor=None) -> Product:
    """Remove a photo; its files go too unless another product (a duplicate) still uses them."""
    ensure_not_suspended(product.shop)
    keys = list(image.variants.values())
    digest = image.digest

    with atomic():
        product.images.remove(image)
        db.session.flush()
        for position, img in enumerate(sorted(product.images, key=lambda i: (i.position, i.id))):
            img.position = position
        refresh_product(product)
    # Files go only after the row's removal has gone through: a refused removal keeps them.
    still_used = db.session.scalar(sa.select(sa.func.count()).select_from(ProductImage)
                                   .where(ProductImage.digest == digest))
    if not still_used:
        discard(keys)  # every size and the original
    return product
