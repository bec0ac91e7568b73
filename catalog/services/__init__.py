"""Catalogue verbs, the public API other modules call: products, variants and tiers, the status
machine, stock.

Each verb runs in one ``atomic()`` transaction (commits on success, rolls back and raises on
refusal); called inside another verb's ``atomic()`` it joins that transaction. Every stock rule
lives in one module, catalog.services.stock, which orders (checkout, cancellations, weighing) and
payments (a refund's restock) call too.
Refusals raise ``CatalogError`` (user-facing message, with per-field messages in ``errors``),
``InvalidTransition`` or ``OutOfStock``.
"""

from __future__ import annotations

from catalog.services.errors import CatalogError, OutOfStock
from catalog.services.products import (
    PRODUCT_STATUS,
    certification_labels,
    create_product,
    duplicate_product,
    hide,
    image_prefix,
    publish,
    refresh_product,
    set_status,
    soft_delete,
    update_product,
)
from catalog.services.stock import adjust_stock, current_stock, release_stock, set_stock, stock_history
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
    "CODE_RE", "MAX_ATTRIBUTES", "MAX_STOCK", "MAX_TIERS", "MAX_VARIANTS", "PRODUCT_STATUS", "CatalogError",
    "OutOfStock", "adjust_stock", "certification_labels", "clean_product_fields", "clean_variants",
    "create_product", "current_stock", "duplicate_product", "hide", "image_prefix", "publish",
    "refresh_product", "release_stock", "set_status", "set_stock", "soft_delete", "stock_history", "update_product",
]
