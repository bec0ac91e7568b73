"""Read side of listing moderation: the admin's product list with its filters, a product's reports
and history, counts for the tabs."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from catalog.categories import descendant_ids
from catalog.models import Category, Product, ProductReport, ProductStatus, ProductStatusChange, ReportStatus
from marketplace.extensions import db
from marketplace.shops.models import Shop

S = ProductStatus
#: The admin's status filter -> the statuses it shows ("off shelf" is both the merchant's own states).
STATUS_FILTERS = {
    "on_sale": (S.PUBLISHED,),
    "off_shelf": (S.DRAFT, S.HIDDEN),
    "pending": (S.PENDING,),
    "blocked": (S.BLOCKED,),
    "rejected": (S.REJECTED,),
}


def has_open_reports():
    return Product.id.in_(sa.select(ProductReport.product_id).where(ProductReport.status == ReportStatus.OPEN))


def admin_products(*, shop_id: int | None = None, category: Category | None = None, status: str | None = None,
                   reported: bool = False, q: str = "") -> sa.Select:
    """The products the admin asked for (deleted ones left out), latest change first."""
    stmt = (sa.select(Product).where(Product.deleted_at.is_(None))
            .options(joinedload(Product.shop), joinedload(Product.category)))
    if shop_id:
        stmt = stmt.where(Product.shop_id == shop_id)
    if category is not None:
        stmt = stmt.where(Product.category_id.in_(descendant_ids(category)))
    if status in STATUS_FILTERS:
        stmt = stmt.where(Product.status.in_(STATUS_FILTERS[status]))
    if reported:
        stmt = stmt.where(has_open_reports())
    if q:
        stmt = stmt.where(sa.or_(Product.title.contains(q, autoescape=True), Product.code.contains(q, autoescape=True)))
    return stmt.order_by(Product.updated_at.desc(), Product.id.desc())


def open_report_counts(product_ids: list[int]) -> dict[int, int]:
    if not product_ids:
        return {}
    return dict(db.session.execute(
        sa.select(ProductReport.product_id, sa.func.count()).where(
            ProductReport.product_id.in_(product_ids), ProductReport.status == ReportStatus.OPEN)
        .group_by(ProductReport.product_id)).all())


def queue_counts() -> dict[str, int]:
    """What waits for the admin: products pending approval, products with open reports."""
    pending = db.session.scalar(sa.select(sa.func.count(Product.id)).where(
        Product.status == S.PENDING, Product.deleted_at.is_(None))) or 0
    reported = db.session.scalar(sa.select(sa.func.count(Product.id)).where(
        has_open_reports(), Product.deleted_at.is_(None))) or 0
    return {"pending": pending, "reported": reported}


def reports_of(product: Product) -> list[ProductReport]:
    """Open reports first, then the closed ones, newest first."""
    return list(db.session.scalars(
        sa.select(ProductReport).where(ProductReport.product_id == product.id)
        .options(joinedload(ProductReport.reporter), joinedload(ProductReport.resolved_by))
        .order_by((ProductReport.status == ReportStatus.OPEN).desc(), ProductReport.created_at.desc(),
                  ProductReport.id.desc())))


def history_of(product: Product) -> list[ProductStatusChange]:
    return list(db.session.scalars(
        sa.select(ProductStatusChange).where(ProductStatusChange.product_id == product.id)
        .options(joinedload(ProductStatusChange.actor))
        .order_by(ProductStatusChange.created_at.desc(), ProductStatusChange.id.desc())))


def product_for_admin(product_id: int) -> Product | None:
    return db.session.scalar(sa.select(Product).where(Product.id == product_id).options(
        joinedload(Product.shop), joinedload(Product.category), selectinload(Product.variants),
        selectinload(Product.images)))


def shops_with_products() -> list[Shop]:
    """The shop filter's choices."""
    return list(db.session.scalars(sa.select(Shop).where(Shop.id.in_(sa.select(Product.shop_id).distinct()))
                                   .order_by(Shop.name)))
