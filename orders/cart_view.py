"""The cart's reads and view model: its lines with their variants, tiers, products, shops and the
shops' delivery rules read in one statement, grouped by shop with current tier prices, the next
tier's hint and what blocks a checkout (orders.cart writes; checkout reads its cart from here)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from catalog import pricing
from catalog.models import Product, Variant
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop
from orders.delivery import DefaultRule, rules_for
from orders.models import Cart, CartLine, ShopDeliveryRule, ShopDeliveryZone


@dataclass
class LineView:
    line: CartLine
    variant: Variant
    product: Product
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    tier_min_quantity: int | None
    hint: object | None
    #: Blocking problems (checkout refused): hidden, sold out, quantity no longer valid.
    problems: list[str] = field(default_factory=list)
    #: The unit price changed since the buyer set the quantity (old price, shown with the new one).
    repriced_from_cents: int | None = None

    @property
    def grams(self) -> int:
        from orders.delivery import line_grams

        return line_grams(self.variant, self.quantity)


@dataclass
class ShopGroup:
    shop: object
    rule: object
    lines: list[LineView]

    @property
    def subtotal_cents(self) -> int:
        return sum(lv.line_total_cents for lv in self.lines)

    @property
    def quantity(self) -> int:
        return sum(lv.quantity for lv in self.lines)

    @property
    def grams(self) -> int:
        return sum(lv.grams for lv in self.lines)


@dataclass
class CartView:
    cart: Cart | None
    groups: list[ShopGroup]

    @property
    def lines(self) -> list[LineView]:
        return [lv for grp in self.groups for lv in grp.lines]

    @property
    def subtotal_cents(self) -> int:
        return sum(grp.subtotal_cents for grp in self.groups)

    @property
    def problems(self) -> list[LineView]:
        return [lv for lv in self.lines if lv.problems]

    @property
    def repriced(self) -> list[LineView]:
        return [lv for lv in self.lines if lv.repriced_from_cents is not None]

    @property
    def is_empty(self) -> bool:
        return not self.groups


def tier_threshold(variant: Variant, quantity: int) -> int | None:
    applied = None
    for tier in variant.tiers:
        if quantity >= tier.min_quantity:
            applied = tier.min_quantity
    return applied


def load_lines(cart: Cart) -> list[CartLine]:
    """The cart's lines with variants, tiers, products and shops in a fixed number of queries (two:
    the many-to-one chain line -> variant -> product -> shop joined, the variants' tiers)."""
    query = (db.select(CartLine).where(CartLine.cart_id == cart.id).order_by(CartLine.id)
             .options(joinedload(CartLine.variant, innerjoin=True).joinedload(Variant.product, innerjoin=True)
                      .joinedload(Product.shop, innerjoin=True)))
    return list(db.session.scalars(query).unique())


def build_view(cart: Cart | None) -> CartView:
    """Lines grouped by shop with current tier prices, the next-tier hint and flags."""
    if cart is None:
        return CartView(cart=None, groups=[])
    lines = load_lines(cart)
    rules = rules_for({ln.variant.product.shop_id: ln.variant.product.shop for ln in lines}.values())
    return view_of(cart, lines, rules)


def view_of(cart: Cart | None, lines: list[CartLine], rules: dict) -> CartView:
    """The view of lines already loaded (each with its variant, tiers, product and shop) and their
    shops' delivery rules ({shop_id: rule})."""
    by_shop: dict[int, ShopGroup] = {}
    for line in lines:
        variant = line.variant
        product = variant.product
        qty = line.quantity
        price = pricing.unit_price(variant, qty)
        view = LineView(line=line, variant=variant, product=product, quantity=qty, unit_price_cents=price,
                        line_total_cents=price * qty, tier_min_quantity=tier_threshold(variant, qty),
                        hint=pricing.next_tier_hint(variant, qty))
        if not variant.active or not product.is_buyable:
            view.problems.append(_("商品已下架，请从购物车删除"))
        else:
            try:
                pricing.validate_quantity(variant, qty)
            except pricing.QuantityError as exc:
                view.problems.append(str(exc))
        if price != line.price_seen_cents:
            view.repriced_from_cents = line.price_seen_cents
        group = by_shop.get(product.shop_id)
        if group is None:
            group = by_shop[product.shop_id] = ShopGroup(shop=product.shop, rule=rules[product.shop_id], lines=[])
        group.lines.append(view)
    return CartView(cart=cart, groups=list(by_shop.values()))


#: What the cart, its answer and an order read of a product and a shop (the descriptions, JSON
#: attributes, licences and dates stay unread: they were most of a row's width).
_PRODUCT_COLUMNS = (Product.id, Product.shop_id, Product.code, Product.title, Product.status, Product.primary_image,
                    Product.deleted_at)
_SHOP_COLUMNS = (Shop.id, Shop.slug, Shop.name, Shop.shop_type, Shop.status, Shop.region_id, Shop.address,
                 Shop.phone, Shop.market_name, Shop.stall_number)
#: The regions' columns an add's answer reads (its zones' labels come from the cached chains:
#: ``region_path``); the rest stay unread, a row of the whole cart is that much narrower.
_REGION_COLUMNS = (Region.id, Region.code, Region.name, Region.name_en, Region.level, Region.parent_id)
#: Parents joined above a shop's region: a village's township and county, so that the default rule's
#: county (``county_of`` walks up no further) needs no query of its own.
_SHOP_REGION_PARENTS = 2


def _shop_region(loader):
    loader = loader.joinedload(Shop.region).load_only(*_REGION_COLUMNS)
    for _n in range(_SHOP_REGION_PARENTS):
        loader = loader.joinedload(Region.parent).load_only(*_REGION_COLUMNS)
    return loader


#: A cart named without loading it: (column of Cart, value), e.g. ("user_id", 3); None: no cart.
CartKey = tuple[str, object] | None


def cart_condition(key: CartKey) -> sa.ColumnElement:
    """The condition on Cart that ``key`` (a CartKey) names."""
    return getattr(Cart, key[0]) == key[1] if key is not None else sa.false()


@functools.cache
def _read_statement(column: str | None, with_vid: bool, whole_cart: bool, regions: bool) -> sa.Select:
    """read_for_add's statement of this shape (the cart's column, a variant named, the whole cart,
    regions), built once with bound parameters: building it is ~1 ms of Python, about as much as
    running it."""
    where = getattr(Cart, column) == sa.bindparam("cart_key") if column else sa.false()
    vid = sa.bindparam("vid", type_=sa.Integer)
    cart_id = sa.select(Cart.id).where(where).scalar_subquery()
    counted = aliased(CartLine)
    n_lines = sa.select(sa.func.count()).select_from(counted).where(counted.cart_id == cart_id).scalar_subquery()
    shop_loader = (contains_eager(Variant.product).load_only(*_PRODUCT_COLUMNS)
                   .joinedload(Product.shop, innerjoin=True).load_only(*_SHOP_COLUMNS))
    options = [joinedload(Variant.tiers)]
    stmt = sa.select(Variant, CartLine, cart_id.label("cart_id"), n_lines.label("n_lines"))
    if whole_cart:
        # The few variant ids drive the query (a derived table the planner sees as small: an OR of
        # the variant and the cart's lines would scan the variants and join everything by hash).
        listed = aliased(CartLine)
        ids = sa.select(listed.variant_id.label("id")).where(listed.cart_id == cart_id)
        if with_vid:
            ids = sa.union(sa.select(vid.label("id")), ids)
        ids = ids.subquery("wanted")
        stmt = stmt.join_from(ids, Variant, Variant.id == ids.c.id)
    else:
        stmt = stmt.where(Variant.id == vid)
    stmt = (stmt.join(Variant.product)
            .outerjoin(CartLine, sa.and_(CartLine.variant_id == Variant.id, CartLine.cart_id == cart_id)))
    if whole_cart:
        stmt = (stmt.add_columns(ShopDeliveryRule)
                .outerjoin(ShopDeliveryRule, ShopDeliveryRule.shop_id == Product.shop_id))
        zones = joinedload(ShopDeliveryRule.zones)
        if regions:
            options += [_shop_region(shop_loader),
                        zones.joinedload(ShopDeliveryZone.region).load_only(*_REGION_COLUMNS)]
        else:
            options += [shop_loader, zones]
    else:
        options.append(shop_loader)
    return stmt.options(*options)


def read_for_add(vid: int | None, key: CartKey, whole_cart: bool, regions: bool = True):
    """ONE statement: the variant with its product, shop and tiers, its line in the cart named by
    ``key`` (a CartKey) or None, the cart's id (None without a cart) and its number of lines; with
    ``whole_cart`` also every other line of the cart with the same, and each shop's saved delivery
    rule with its zones.

    Returns (variant or None, line or None, cart_id, n_lines, [other lines], {shop_id: rule}).
    """
    column = key[0] if key is not None else None
    params = {"vid": vid or 0}
    if column:
        params["cart_key"] = key[1]
    stmt = _read_statement(column, bool(vid) and whole_cart, whole_cart, regions)
    rows = db.session.execute(stmt, params).unique().all()
    variant = line = found_cart = None
    n = 0
    others: list[CartLine] = []
    rules: dict[int, object] = {}
    for row in rows:
        found_cart, n = row.cart_id, row.n_lines
        if row[0].id == vid:
            variant, line = row[0], row[1]
        elif row[1] is not None:
            others.append(row[1])
        if row[1] is not None:
            set_committed_value(row[1], "variant", row[0])
        if whole_cart:
            shop = row[0].product.shop
            rules[shop.id] = row[4] if row[4] is not None else DefaultRule(shop=shop)
    return variant, line, found_cart, n or 0, others, rules


def read_view(key: CartKey, cart: Cart | None = None) -> CartView:
    """The view of the cart named by ``key`` (a CartKey) in ONE statement: its lines
    with variants, tiers, products, shops, the shops' delivery rules with their zones (what placing
    an order needs; the regions above a zone are read only if a delivery asks where it lies)."""
    _v, _l, _c, _n, lines, rules = read_for_add(None, key, True, regions=False)
    return view_of(cart, sorted(lines, key=lambda ln: ln.id), rules)
