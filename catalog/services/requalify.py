"""Listings already on sale asked again when their category's rules grow: the admin marks a
category as requiring certificates (set_category_certificate, here) or adds a licence
requirement (licences.services.set_requirements). Each published product in the categories given
that the publish guards now refuse is taken off sale with the reason (products.withdraw_listing:
hidden, audited, the owner told). A product moved into such a category is handled by
update_product itself."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from catalog.categories import _audited, descendant_ids, snapshot
from catalog.models import Category, Product, ProductStatus
from catalog.services.products import publish_problem, withdraw_listing
from marketplace.extensions import db


def recheck_listings(category_ids: Iterable[int], actor) -> list[Product]:
    """Withdraw the published products of ``category_ids`` that may not publish any more, in the
    caller's transaction; returns them (in id order)."""
    ids = sorted(set(category_ids))
    if not ids:
        return []
    products = db.session.scalars(sa.select(Product).where(
        Product.category_id.in_(ids), Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None))
        .order_by(Product.id)).all()
    withdrawn = []
    for product in products:
        problem = publish_problem(product)
        if problem:
            withdrawn.append(withdraw_listing(product, actor, problem))
    return withdrawn


def set_category_certificate(cat: Category, actor, required: bool) -> list[Product]:
    """Mark a category whose listings need a certified batch (承诺达标合格证, trace/) before they
    publish, or lift the mark; its subcategories inherit it (audited like the other category edits).
    Turning it on asks the publish guards again for the listings on sale here and below, in the
    same transaction: those without a certified batch with stock are withdrawn. Returns them."""
    before = snapshot(cat)
    withdrawn: list[Product] = []

    def work():
        cat.requires_certificate = bool(required)
        if required:
            db.session.flush()
            withdrawn.extend(recheck_listings(descendant_ids(cat), actor))

    _audited(actor, "category.certificate_on" if required else "category.certificate_off", cat, before, work)
    return withdrawn
