"""Cart, address book, shop delivery rules, order groups (one checkout), orders (one per shop).

Money is integer minor units (``_cents``). Order lines are snapshots: a later edit of the product
never changes what was bought or at what price.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Variant
from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region, RegionLevel
from marketplace.shops.models import Shop

# --- cart -------------------------------------------------------------------------------------------

class Cart(Base):
    """A signed-in user's cart (``user_id``) or a visitor's (``token``, kept in a signed cookie)."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: Random id of a visitor's cart; the cookie carries it signed with the app's secret key.
    token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(back_populates="cart", cascade="all, delete-orphan",
                                                 order_by="CartLine.id")


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (sa.UniqueConstraint("cart_id", "variant_id"),
                      sa.CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]
    #: The unit price the buyer saw when he last set the quantity: a re-price is flagged, not hidden.
    price_seen_cents: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()


# --- address book and delivery rules ---------------------------------------------------------------

class Address(Base):
    """A delivery address: a region at any level below the country (a province for a vague
    address, a village for a precise one) plus the street detail."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(40))
    phone: Mapped[str] = mapped_column(sa.String(32))
    #: The most precise region the buyer chose (province, city, county, township or village).
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    street: Mapped[str] = mapped_column(sa.String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")

    def places(self) -> list[Region]:
        """The address's regions from the province down (the country left out)."""
        chain: list[Region] = []
        node = self.region
        while node is not None and len(chain) < 10:
            chain.append(node)
            node = node.parent
        return [r for r in reversed(chain) if r.level != RegionLevel.COUNTRY]

    def place(self, level: RegionLevel) -> str:
        """The name of the address's region at ``level`` ("" when the address stops above it)."""
        return next((r.name for r in self.places() if r.level == level), "")

    @property
    def province(self) -> str:
        return self.place(RegionLevel.PROVINCE)

    @property
    def city_name(self) -> str:
        return self.place(RegionLevel.CITY)

    def one_line(self, locale: str = "zh_CN") -> str:
        """"河南省 商丘市 柘城县 起台镇 北街村 北街 16 号"; in English the street first, then the regions
        upwards ("259 Wensan Road, Xihu District, Hangzhou, Zhejiang"). Orders keep the Chinese form."""
        names = [r.localized_name(locale) for r in self.places()]
        if locale.startswith("en"):
            return ", ".join(p for p in (self.street, *reversed(names)) if p)
        return " ".join(p for p in (*names, self.street) if p)


class FeeMode(enum.StrEnum):
    FLAT = "flat"  # per order
    PER_KG = "per_kg"  # per started kilogram
    PER_UNIT = "per_unit"  # per unit ordered


class ShopDeliveryRule(Base):
    """How a shop delivers and where buyers pick up. Where it delivers and at what fee are its
    zones. A shop without a rule delivers free within its own county and offers pickup at its
    address (see orders.delivery.DefaultRule)."""

    __tablename__ = "shop_delivery_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), unique=True)
    delivery_enabled: Mapped[bool] = mapped_column(default=True)
    pickup_enabled: Mapped[bool] = mapped_column(default=True)
    #: Where to pick up (empty: the shop's address and stall).
    pickup_address: Mapped[str] = mapped_column(sa.String(200), default="")
    pickup_hours: Mapped[str] = mapped_column(sa.String(120), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship()
    zones: Mapped[list[ShopDeliveryZone]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", lazy="selectin", order_by="ShopDeliveryZone.id")


class ShopDeliveryZone(Base):
    """A region a shop delivers to (the whole country, a province, a county, a township, a village:
    everything below it too), with the fee there. Checkout uses the most specific zone that holds
    the buyer's address."""

    __tablename__ = "shop_delivery_zones"
    __table_args__ = (sa.UniqueConstraint("rule_id", "region_id"),
                      sa.CheckConstraint("fee_cents >= 0", name="fee_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_delivery_rules.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    fee_mode: Mapped[FeeMode] = mapped_column(_enum(FeeMode, 10), default=FeeMode.FLAT)
    #: Flat fee, or fee per kg / per unit, depending on fee_mode.
    fee_cents: Mapped[int] = mapped_column(default=0)
    #: Delivery is free from this subtotal on (None: never free).
    free_above_cents: Mapped[int | None]

    rule: Mapped[ShopDeliveryRule] = relationship(back_populates="zones")
    region: Mapped[Region] = relationship(lazy="joined")


# --- orders -----------------------------------------------------------------------------------------

class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    ACCEPTED = "accepted"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Fulfilment(enum.StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


class OrderGroup(Base):
    """One checkout: the orders (one per shop) placed together and paid together."""

    __tablename__ = "order_groups"
    __table_args__ = (sa.UniqueConstraint("buyer_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: From the checkout form or the Idempotency-Key header: a retried submit finds this group.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    subtotal_cents: Mapped[int] = mapped_column(default=0)
    fee_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Unpaid orders of the group expire at this time and give their stock back.
    expires_at: Mapped[dt.datetime]

    buyer: Mapped[User] = relationship()
    orders: Mapped[list[Order]] = relationship(back_populates="group", order_by="Order.id")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (sa.Index("ix_orders_shop_status", "shop_id", "status"),
                      sa.Index("ix_orders_status_expires", "status", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("order_groups.id"), index=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: Human-facing number, e.g. 20261126-000123.
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.PENDING_PAYMENT)
    fulfilment: Mapped[Fulfilment] = mapped_column(_enum(Fulfilment, 10))
    # Address snapshot (delivery orders): later edits of the address book do not change it.
    ship_recipient: Mapped[str] = mapped_column(sa.String(40), default="")
    ship_phone: Mapped[str] = mapped_column(sa.String(32), default="")
    ship_address: Mapped[str] = mapped_column(sa.String(300), default="")
    ship_region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    # Pickup snapshot (pickup orders).
    pickup_address: Mapped[str] = mapped_column(sa.String(200), default="")
    pickup_hours: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Code the buyer shows at the stall, set when the order is ready for pickup.
    pickup_code: Mapped[str | None] = mapped_column(sa.String(12))
    carrier: Mapped[str | None] = mapped_column(sa.String(60))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(60))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    subtotal_cents: Mapped[int]
    fee_cents: Mapped[int]
    total_cents: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[dt.datetime]
    paid_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    shipped_at: Mapped[dt.datetime | None]
    ready_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    group: Mapped[OrderGroup] = relationship(back_populates="orders")
    shop: Mapped[Shop] = relationship()
    buyer: Mapped[User] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id",
                                                  cascade="all, delete-orphan")
    history: Mapped[list[OrderStatusChange]] = relationship(back_populates="order",
                                                            order_by="OrderStatusChange.id",
                                                            cascade="all, delete-orphan")


class OrderLine(Base):
    """What was bought, frozen at placement."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("variants.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    product_title: Mapped[str] = mapped_column(sa.String(120))
    variant_name: Mapped[str] = mapped_column(sa.String(80))
    unit: Mapped[str] = mapped_column(sa.String(10))
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]
    #: The base (1+) price at placement, and the tier's threshold when a tier price applied.
    base_price_cents: Mapped[int]
    tier_min_quantity: Mapped[int | None]
    line_total_cents: Mapped[int]
    weight_grams: Mapped[int | None]
    #: Sold by weight (多退少补): the tolerance in basis points the buyer accepted at checkout, and
    #: the line settles on the weight recorded at handover (orders.weighing); None: not weighed.
    weigh_tolerance_bp: Mapped[int | None]
    #: ... and whether an overage within it is charged (the shop's terms the buyer accepted).
    weigh_charges_over: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderStatusChange(Base):
    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(_enum(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()
