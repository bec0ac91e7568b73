"""Catalogue verbs, the public API other modules call: products, variants and tiers, the status
machine, stock.

Each verb runs in one ``atomic()`` transaction (commits on success, rolls back and raises on
refusal); called inside another verb's ``atomic()`` it joins that transaction. Every stock rule
lives in one module, catalog.services.stock, which orders (checkout, cancellations, weighing) and
payments (a refund's restock) call too.
Refusals raise ``CatalogError`` (user-facing message, with per-field messages in ``errors``),
``InvalidTransition``, ``ProductBlocked`` or ``OutOfStock``. Listing moderation (the admin's verbs
and buyers' reports) is ``catalog.services.moderation``.
"""

from __future__ import annotations

from catalog.services.errors import CatalogError, OutOfStock
from catalog.services.products import (
    MERCHANT_TARGETS,
    PRODUCT_STATUS,
    STATUS_LABELS,
    ProductBlocked,
    category_requires_approval,
    certification_labels,
    create_product,
    duplicate_product,
    hide,
    image_prefix,
    move_product,
    needs_approval,
    publish,
    publish_problem,
    refresh_product,
    register_publish_guard,
    set_status,
    soft_delete,
    update_product,
)
from catalog.services.stock import (
    adjust_stock,
    check_stock_edit,
    current_stock,
    register_stock_guard,
    release_stock,
    set_stock,
    stock_edit_refusals,
    stock_history,
)
from catalog.services.validation import (
    CODE_RE,
    MAX_ATTRIBUTES,
    MAX_STOCK,
    MAX_TIERS,
    MAX_VARIANTS,
    clean_product_fields,
    clean_variants,
)

__all__ = [
    "CODE_RE", "MAX_ATTRIBUTES", "MAX_STOCK", "MAX_TIERS", "MAX_VARIANTS", "MERCHANT_TARGETS", "PRODUCT_STATUS",
    "STATUS_LABELS", "CatalogError", "OutOfStock", "ProductBlocked", "adjust_stock", "category_requires_approval",
    "certification_labels", "check_stock_edit", "register_stock_guard", "stock_edit_refusals",
    "clean_product_fields", "clean_variants", "create_product", "current_stock", "duplicate_product", "hide",
    "image_prefix", "move_product", "needs_approval", "publish", "publish_problem", "refresh_product", "register_publish_guard",
    "release_stock", "set_status", "set_stock", "soft_delete", "stock_history", "update_product",
]
