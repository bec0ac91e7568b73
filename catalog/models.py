"""Catalogue models: categories, products, variants (SKUs), wholesale price tiers, photos, stock."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region
from marketplace.shops.models import Shop


class Category(Base):
    """A node of the category tree (loaded from catalog/data/categories.json, editable by the admin)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    #: Stable key from the data file, e.g. "agri.fruit".
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    name_en: Mapped[str] = mapped_column(sa.String(80), default="")
    #: Chinese path from the root, e.g. "农产品/水果" (the CSV import's category column).
    path: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    #: New listings here (and products moved here) wait for the admin's approval before they are public.
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: Products here need a 承诺达标合格证 per batch (fresh produce, eggs, meat, aquatic products): the
    #: trace domain refuses their publication until a certified batch has stock. Inherited by children.
    requires_certificate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.sort_order")

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    #: Taken off sale by the merchant (下架); he may publish it again.
    HIDDEN = "hidden"
    #: Waiting for the admin's approval (its category requires_approval); not public.
    PENDING = "pending"
    #: The admin refused it (Product.moderation_note says why); the merchant may edit and resubmit.
    REJECTED = "rejected"
    #: Hidden by the admin (Product.moderation_note says why); only the admin restores it.
    BLOCKED = "blocked"


class Certification(enum.StrEnum):
    GREEN_FOOD = "green_food"  # 绿色食品
    ORGANIC = "organic"  # 有机产品
    GI = "gi"  # 地理标志 (geographical indication)
    POLLUTION_FREE = "pollution_free"  # 无公害农产品


class UnitKind(enum.StrEnum):
    """What a unit measures; weight, volume and length convert to their kind's base unit."""

    WEIGHT = "weight"  # base: gram
    COUNT = "count"  # 个, 枚, 头 ...: no fixed conversion
    VOLUME = "volume"  # base: millilitre
    LENGTH = "length"  # base: millimetre
    PACKAGE = "package"  # 箱, 袋, 筐 ...: the content varies (a variant's weight_grams says it)


class Unit(Base):
    """A unit a variant may be sold in (the admin edits them; catalog.units reads them, cached).

    ``code`` is what variants (and order lines, as a snapshot) store in their ``unit`` column. A unit
    in use is never deleted, only deactivated: it stays valid on the variants that have it and is
    no longer offered for new ones; its kind and factor are then fixed.
    """

    __tablename__ = "units"
    __table_args__ = (
        sa.CheckConstraint("factor IS NULL OR factor > 0", name="factor_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What variants store: "kg", "斤", "箱", "筐" ... (never changed once created).
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    name_en: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind))
    #: One unit in the kind's base unit (grams, millilitres, millimetres); None for count and package.
    factor: Mapped[int | None]
    #: Other spellings people type, matched without regard to case or width: ["KG", "kgs"], ["t"].
    aliases: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "code"),
        sa.Index("ix_products_listing", "status", "deleted_at", "category_id"),
        # The listings' walks (catalog.queries.listing_page), one per sort, read forwards or backwards:
        # each holds every column a listing filters on, so a deep page skips index entries without
        # reading a table row (an index-only scan). They also serve "newest first" blocks (home,
        # related products) that walk instead of sorting a category (docs/performance.md).
        sa.Index("ix_products_newest_walk", "published_at", "id", "status", "deleted_at", "category_id",
                 "origin_region_id", "shop_id"),
        sa.Index("ix_products_price_walk", "min_price_cents", "id", "status", "deleted_at", "category_id",
                 "origin_region_id", "shop_id"),
        sa.Index("ix_products_category_newest_walk", "category_id", "published_at", "id", "status", "deleted_at",
                 "shop_id"),
        sa.Index("ix_products_category_price_walk", "category_id", "min_price_cents", "id", "status", "deleted_at",
                 "shop_id"),
        # the related products' "same shop first" part: one shop's newest in one category
        sa.Index("ix_products_shop_category_newest_walk", "shop_id", "category_id", "published_at", "id", "status",
                 "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    #: The merchant's own product code (CSV `product_code`); unique within the shop.
    code: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(120))
    subtitle: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Markdown source; rendered safely (no raw HTML).
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: 产地: where it was grown or made.
    origin_region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: Ordered key/value pairs: [["品种", "红富士"], ["等级", "一级"]].
    attributes: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Certification codes (Certification values).
    certifications: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[ProductStatus] = mapped_column(_enum(ProductStatus), default=ProductStatus.DRAFT, index=True)
    #: Denormalised for listings and sorting: lowest active variant base price, any stock.
    min_price_cents: Mapped[int] = mapped_column(default=0, index=True)
    #: Denormalised for the cards: the lowest base price per kilogram among the active variants
    #: whose weight is known (a weight unit, or weight_grams); None when none is.
    min_price_per_kg_cents: Mapped[int | None]
    in_stock: Mapped[bool] = mapped_column(default=False)
    #: Key prefix of the primary photo's derivatives (denormalised for listings).
    primary_image: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None]
    #: Soft delete: the row stays for orders that reference it.
    deleted_at: Mapped[dt.datetime | None]
    #: The admin's reason for the current status (rejected, blocked), shown to the shop.
    moderation_note: Mapped[str | None] = mapped_column(sa.String(200))
    #: The category the admin approved it in: a product moved to another category that requires
    #: approval waits again.
    approved_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"))

    shop: Mapped[Shop] = relationship()
    category: Mapped[Category] = relationship(foreign_keys=[category_id])
    origin: Mapped[Region | None] = relationship()
    variants: Mapped[list[Variant]] = relationship(back_populates="product", order_by="Variant.position",
                                                   cascade="all, delete-orphan")
    images: Mapped[list[ProductImage]] = relationship(back_populates="product", order_by="ProductImage.position",
                                                      cascade="all, delete-orphan")

    @property
    def is_buyable(self) -> bool:
        return (self.status == ProductStatus.PUBLISHED and self.deleted_at is None
                and self.shop.is_public)


class Variant(Base):
    """A sellable SKU of a product: its own unit, price ladder, stock, MOQ and order step."""

    __tablename__ = "variants"
    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("moq >= 1", name="moq_positive"),
        sa.CheckConstraint("step >= 1", name="step_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    #: kg, 斤, 吨, 箱, 袋, 件, 个, 筐 ...: a Unit's code (the units table lists them)
    unit: Mapped[str] = mapped_column(sa.String(10), sa.ForeignKey("units.code"))
    #: Base unit price (the 1+ tier) in minor units.
    price_cents: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    #: 起批量: minimum order quantity, in units.
    moq: Mapped[int] = mapped_column(default=1)
    #: Orders must be moq + k * step units.
    step: Mapped[int] = mapped_column(default=1)
    #: Net weight of one unit in grams, when known (price per kg, weight-based delivery fees).
    weight_grams: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="variants")
    tiers: Mapped[list[PriceTier]] = relationship(back_populates="variant", order_by="PriceTier.min_quantity",
                                                  cascade="all, delete-orphan", lazy="selectin")

    @hybrid_property
    def sellable(self) -> bool:
        """The one in-stock rule, in Python and in SQL: active, and at least the 起批量 (moq) is in
        stock, since nobody can order fewer. Product.in_stock is "any variant sellable"; every
        domain moves stock through catalog.services.stock, which keeps it so."""
        return self.active and self.stock >= self.moq

    @sellable.inplace.expression
    @classmethod
    def _sellable_expression(cls):
        return sa.and_(cls.active.is_(True), cls.stock >= cls.moq)


class PriceTier(Base):
    """A wholesale price step: from ``min_quantity`` units on, each unit costs ``unit_price_cents``."""

    __tablename__ = "price_tiers"
    __table_args__ = (
        sa.UniqueConstraint("variant_id", "min_quantity"),
        sa.CheckConstraint("min_quantity >= 2", name="tier_min_quantity"),
        sa.CheckConstraint("unit_price_cents >= 0", name="tier_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    min_quantity: Mapped[int]
    unit_price_cents: Mapped[int]

    variant: Mapped[Variant] = relationship(back_populates="tiers")


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    #: Content hash; derivatives are stored as public/products/<xx>/<digest>-<size>.webp
    digest: Mapped[str] = mapped_column(sa.String(64))
    #: {"320": key, "800": key, "1600": key}
    variants: Mapped[dict] = mapped_column(sa.JSON)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    alt: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")


class StockMovement(Base):
    """Every stock change with its reason: merchant adjustments, imports, orders, expiries, refunds."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int]
    #: adjust, import, order, order_expired, order_cancelled, refund
    kind: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The order that caused it, when one did (no FK: orders depend on the catalogue, not back).
    order_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class ProductStatusChange(Base):
    __tablename__ = "product_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ProductStatus | None] = mapped_column(_enum(ProductStatus))
    to_status: Mapped[ProductStatus] = mapped_column(_enum(ProductStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class ReportReason(enum.StrEnum):
    COUNTERFEIT = "counterfeit"  # 假冒伪劣
    PROHIBITED = "prohibited"  # 违禁商品
    WRONG_CATEGORY = "wrong_category"  # 分类错误
    MISLEADING = "misleading"  # 价格或描述不实
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    #: The admin found nothing wrong.
    DISMISSED = "dismissed"
    #: The admin hid the product.
    ACTIONED = "actioned"


class ProductReport(Base):
    """A buyer's report of a listing; the admin dismisses it or hides the product, which closes it."""

    __tablename__ = "product_reports"
    __table_args__ = (
        # one open report per user and product: ``is_open`` is True while open and NULL once closed
        # (NULLs never clash in a unique constraint, on SQLite and PostgreSQL alike)
        sa.UniqueConstraint("product_id", "reporter_id", "is_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[ReportReason] = mapped_column(_enum(ReportReason))
    #: The buyer's own words (optional).
    text: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.OPEN, index=True)
    #: True while open, NULL once closed (see the unique constraint).
    is_open: Mapped[bool | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The admin's note when closing it.
    resolution_note: Mapped[str | None] = mapped_column(sa.String(200))

    product: Mapped[Product] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


# Not a column: whether the signed-in user has an open report of any product, loaded with him by the
# loader option catalog registers (the shell's ``user_load_options``, as the bell's count is), so a
# product page asks for the reader's open report of its product only when he has one somewhere.
User.open_product_reports = query_expression()


def has_open_reports_expression() -> sa.ColumnElement:
    """``User.open_product_reports``'s expression, correlated with the loaded user's row."""
    return (sa.exists().where(ProductReport.reporter_id == User.id, ProductReport.status == ReportStatus.OPEN)
            .correlate_except(ProductReport))


class ImportRun(Base):
    """One confirmed CSV import, run as a background job: its progress and outcome for the page the
    merchant watches. The files wait in the media storage (private/imports/...) until it has run."""

    __tablename__ = "catalog_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The stash the preview left (its CSV and optional zip under private/imports/<shop>/).
    token: Mapped[str] = mapped_column(sa.String(48))
    #: queued, running, done (imported) or failed (nothing imported; ``errors`` says why).
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    total_rows: Mapped[int] = mapped_column(default=0)
    #: {"products_created": n, ...} when done.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    #: [[line, code, message], ...] when failed.
    errors: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class HomeBlock(Base):
    """One block of the home page, chosen ahead of time by the job ``catalog.refresh_home``
    (catalog.home_cache): the featured products, or one county's 一县一品 tile. The choice (ids and
    labels) is stored, not the rows: the page re-reads the products by id, so a product hidden,
    deleted or sold out since is left out at once."""

    __tablename__ = "home_blocks"

    #: "featured", or "county:<division code>".
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: The blocks' order on the page.
    position: Mapped[int] = mapped_column(default=0)
    #: The choice: {"ids": [...]} (featured), or the county, its specialties and ids (a tile).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    #: The catalogue cache group's version the choice was made from (marketplace.cache.version).
    source_version: Mapped[str] = mapped_column(sa.String(80))
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
