"""The food-safety regulator's read side: searchable lists of shops, licences, batches and recalls,
the rows of their CSV exports, and the audit entry every look writes.

The regulator holds FOOD_SAFETY_REGULATOR platform-wide, or scoped to regions (the shared role
model's ("region", id) scope: a county covers its townships and villages; admins grant either). Every
query here takes his ``scope`` (marketplace.regions.scopes.covered_region_ids: None for everywhere)
and keeps the shops located in it, and the licences, batches and recalls of those shops; a row
outside is a 404 on its page and absent from lists, counts and exports. He may recall a batch in his
scope (trace.recalls); every merchant and admin write route refuses him with 403 (their own role
checks)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from catalog.models import Product, Variant
from licences.models import LicenceStatus, ShopLicence
from marketplace.accounts.models import Role
from marketplace.admin.services import record_audit
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.regions.scopes import covered_region_ids, covers, holds_anywhere, scoped_grants
from marketplace.shops.models import Shop
from trace.models import Batch, BatchStatus
from trace.recall_models import Recall

#: Longest search text kept (and written to the audit log).
Q_MAX = 60


#: A regulator's scope: the region ids his grants cover, or None for everywhere.
Scope = frozenset[int] | None


def is_regulator(user) -> bool:
    """Holds the regulator role anywhere (platform-wide, for a region) or is an admin."""
    return holds_anywhere(user, Role.FOOD_SAFETY_REGULATOR)


def scope_of(user) -> Scope:
    return covered_region_ids(user, Role.FOOD_SAFETY_REGULATOR)


def scoped_regions(user) -> list:
    """The regions of the user's scoped regulator grants (the overview names them)."""
    return scoped_grants(user, Role.FOOD_SAFETY_REGULATOR)


def covers_shop(user, shop: Shop) -> bool:
    """The shop is located in a region the user's regulator grants cover."""
    return covers(user, Role.FOOD_SAFETY_REGULATOR, shop.region_id)


def in_scope(stmt: sa.Select, scope: Scope) -> sa.Select:
    """``stmt`` (which has Shop joined or selected) limited to the shops located in ``scope``."""
    return stmt if scope is None else stmt.where(Shop.region_id.in_(sorted(scope)))


def search_text() -> str:
    return (request.args.get("q") or "").strip()[:Q_MAX]


def audit_view(obj_type: str, obj_id="list", **details) -> None:
    """Record the regulator's look in the audit log (its own transaction: a GET writes only this)."""
    note = " ".join(f"{k}={v}" for k, v in details.items() if v) or None
    with atomic():
        record_audit(current_user, "regulator.view", obj_type, obj_id, note=note)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def shops_query(q: str, scope: Scope = None) -> sa.Select:
    stmt = in_scope(sa.select(Shop).order_by(Shop.name, Shop.id), scope)
    if q:
        stmt = stmt.where(sa.or_(Shop.name.ilike(_like(q), escape="\\"), Shop.licence_number.ilike(_like(q), escape="\\")))
    return stmt


def licences_query(q: str, status: LicenceStatus | None, scope: Scope = None) -> sa.Select:
    stmt = in_scope(sa.select(ShopLicence).join(Shop, Shop.id == ShopLicence.shop_id)
                    .order_by(ShopLicence.expires_on, ShopLicence.id), scope)
    if status is not None:
        stmt = stmt.where(ShopLicence.status == status)
    if q:
        pattern = _like(q)
        stmt = stmt.where(sa.or_(ShopLicence.number.ilike(pattern, escape="\\"),
                                 ShopLicence.holder.ilike(pattern, escape="\\"), Shop.name.ilike(pattern, escape="\\")))
    return stmt


def batches_query(q: str, status: BatchStatus | None, shop_id: int | None = None, scope: Scope = None) -> sa.Select:
    stmt = in_scope(sa.select(Batch).join(Shop, Shop.id == Batch.shop_id).join(Variant, Variant.id == Batch.variant_id)
                    .join(Product, Product.id == Variant.product_id).order_by(Batch.id.desc()), scope)
    if status is not None:
        stmt = stmt.where(Batch.status == status)
    if shop_id is not None:
        stmt = stmt.where(Batch.shop_id == shop_id)
    if q:
        pattern = _like(q)
        stmt = stmt.where(sa.or_(Batch.code.ilike(pattern, escape="\\"), Product.title.ilike(pattern, escape="\\"),
                                 Shop.name.ilike(pattern, escape="\\")))
    return stmt


def recalls_query(q: str, scope: Scope = None) -> sa.Select:
    stmt = in_scope(sa.select(Recall).join(Batch, Batch.id == Recall.batch_id).join(Shop, Shop.id == Recall.shop_id)
                    .order_by(Recall.id.desc()), scope)
    if q:
        pattern = _like(q)
        stmt = stmt.where(sa.or_(Batch.code.ilike(pattern, escape="\\"), Shop.name.ilike(pattern, escape="\\"),
                                 Recall.reason.ilike(pattern, escape="\\")))
    return stmt


def counts(scope: Scope) -> dict[str, int]:
    """The overview's figures within ``scope``."""
    def count(stmt: sa.Select) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0

    return {"shops": count(shops_query("", scope)), "licences": count(licences_query("", None, scope)),
            "batches": count(batches_query("", None, scope=scope)),
            "recalled": count(batches_query("", BatchStatus.RECALLED, scope=scope))}


def export_rows(stmt: sa.Select, limit: int = 10_000) -> list:
    return list(db.session.scalars(stmt.limit(limit)))
