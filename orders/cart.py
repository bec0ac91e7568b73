"""The cart: visitor carts in a signed cookie, user carts, line edits with validation, the view model.

Every write validates first and changes nothing when the input is bad (CartError with a message in
the user's language). Prices shown come from the database at each view; the price the buyer saw
when he set a quantity is kept so a re-price is flagged instead of silently changed.
"""

from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload

from catalog import pricing
from catalog.models import Product, Variant
from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from orders.delivery import rules_for
from orders.models import Cart, CartLine

CART_COOKIE = "cart"
CART_COOKIE_MAX_AGE = 60 * 60 * 24 * 30
MAX_LINES = 200
#: Quantities are whole units below this bound (10^7).
QUANTITY_LIMIT = 10_000_000
_DIGITS = re.compile(r"^\s*\d{1,12}\s*$")


class CartError(DomainError):
    """A refused cart, checkout or fulfilment action (HTTP 400 unless it says otherwise)."""


@contextmanager
def atomic_keeping_loaded():
    """``atomic()`` whose commit does not expire what the session holds: the rows this request just
    wrote or read are served from memory afterwards instead of being read again (the JSON answer,
    the signed-in user).

    Only for write paths that expire themselves whatever they changed behind the ORM's back
    (Core UPDATE/DELETE). The session ends with the request, so nothing stale outlives it. Nested
    in another ``atomic()`` it simply joins it (the outer block's commit expires as usual).
    """
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        with atomic():
            yield session
    finally:
        session.expire_on_commit = previous


# --- which cart -------------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="orders.cart")


def visitor_token() -> str | None:
    raw = request.cookies.get(CART_COOKIE) if request else None
    if not raw:
        return None
    try:
        token = _serializer().loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) and 20 <= len(token) <= 64 else None


def current_cart(create: bool = False) -> Cart | None:
    """The signed-in user's cart, else the visitor's (from the signed cookie); created on demand."""
    if getattr(current_user, "is_authenticated", False):
        cart = db.session.scalar(db.select(Cart).where(Cart.user_id == current_user.id))
        if cart is None and create:
            cart = Cart(user_id=current_user.id)
            db.session.add(cart)
            db.session.flush()
        return cart
    token = visitor_token()
    cart = db.session.scalar(db.select(Cart).where(Cart.token == token)) if token else None
    if cart is None and create:
        cart = Cart(token=secrets.token_urlsafe(24))
        db.session.add(cart)
        db.session.flush()
        g.orders_cart_cookie = cart.token
    return cart


def write_cart_cookie(response):
    """after_request: set the visitor cart cookie when a cart was created, drop it after a merge."""
    token = g.get("orders_cart_cookie")
    if token:
        response.set_cookie(CART_COOKIE, _serializer().dumps(token), max_age=CART_COOKIE_MAX_AGE, httponly=True,
                            samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    elif token == "":
        response.delete_cookie(CART_COOKIE)
    return response


def merge_visitor_cart(user) -> int:
    """At login: move the visitor's lines into the user's cart (a variant in both keeps the larger
    quantity). Returns the number of lines moved."""
    token = visitor_token()
    if not token:
        return 0
    with atomic():
        visitor = db.session.scalar(db.select(Cart).where(Cart.token == token, Cart.user_id.is_(None)))
        g.orders_cart_cookie = ""
        if visitor is None:
            return 0
        cart = db.session.scalar(db.select(Cart).where(Cart.user_id == user.id))
        if cart is None:
            visitor.token, visitor.user_id = None, user.id
            return len(visitor.lines)
        mine = {line.variant_id: line for line in cart.lines}
        moved = 0
        for line in list(visitor.lines):
            existing = mine.get(line.variant_id)
            if existing is None:
                cart.lines.append(CartLine(variant_id=line.variant_id, quantity=line.quantity,
                                           price_seen_cents=line.price_seen_cents))
                moved += 1
            elif line.quantity > existing.quantity:
                existing.quantity, existing.price_seen_cents = line.quantity, line.price_seen_cents
                moved += 1
        db.session.delete(visitor)
    return moved


# --- input ------------------------------------------------------------------------------------------

def parse_quantity(raw) -> int:
    """A whole number 1 <= q < 10^7 from JSON or a form; anything else is refused with a message."""
    if isinstance(raw, bool) or raw is None:
        raise CartError(_("数量必须是整数"), code="invalid_quantity")
    if isinstance(raw, int):
        qty = raw
    elif isinstance(raw, str) and _DIGITS.match(raw):
        qty = int(raw)
    elif isinstance(raw, str) and re.match(r"^\s*-\d+\s*$", raw):
        raise CartError(_("数量至少为 1"), code="invalid_quantity")
    else:
        raise CartError(_("数量必须是整数"), code="invalid_quantity")
    if qty < 1:
        raise CartError(_("数量至少为 1"), code="invalid_quantity")
    if qty >= QUANTITY_LIMIT:
        raise CartError(_("数量过大"), code="invalid_quantity")
    return qty


def parse_id(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < 2**31 else None
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 10:
        return int(raw)
    return None


def _buyable_variant(variant_id) -> Variant:
    vid = parse_id(variant_id)
    variant = (db.session.get(Variant, vid, options=[joinedload(Variant.product, innerjoin=True)
                                                     .joinedload(Product.shop, innerjoin=True)]) if vid else None)
    if variant is None or not variant.active or not variant.product.is_buyable:
        raise CartError(_("商品不存在或已下架"), status=404, code="not_found")
    return variant


def _checked(variant: Variant, quantity: int) -> int:
    try:
        return pricing.validate_quantity(variant, quantity)
    except pricing.QuantityError as exc:
        raise CartError(str(exc), code="invalid_quantity") from None


def _own_line(cart: Cart | None, line_id) -> CartLine:
    lid = parse_id(line_id)
    line = db.session.get(CartLine, lid) if lid else None
    if line is None or cart is None or line.cart_id != cart.id:
        raise CartError(_("购物车中没有这一项"), status=404, code="not_found")
    return line


# --- writes -----------------------------------------------------------------------------------------

def add_item(variant_id, quantity, *, cart: Cart | None = None) -> CartLine:
    """Add ``quantity`` of a variant (adding to a line already there), or change nothing."""
    try:
        # Kept loaded: the cart view that follows re-uses the rows just read.
        with atomic_keeping_loaded():
            qty = parse_quantity(quantity)
            variant = _buyable_variant(variant_id)
            cart = cart or current_cart(create=True)
            line = next((ln for ln in cart.lines if ln.variant_id == variant.id), None)
            total = _checked(variant, qty + (line.quantity if line else 0))
            if line is None:
                if len(cart.lines) >= MAX_LINES:
                    raise CartError(_("购物车最多 %(n)d 种商品", n=MAX_LINES), code="cart_full")
                line = CartLine(variant_id=variant.id, quantity=total, price_seen_cents=0)
                cart.lines.append(line)
            line.quantity = total
            line.price_seen_cents = pricing.unit_price(variant, total)
    except Exception:
        g.pop("orders_cart_cookie", None)  # a cart created above was rolled back: no cookie for it
        raise
    return line


def set_quantity(line_id, quantity, *, cart: Cart | None = None) -> CartLine:
    """Set a line's quantity; the buyer now sees (and accepts) the current tier price."""
    with atomic():
        qty = parse_quantity(quantity)
        cart = cart or current_cart()
        line = _own_line(cart, line_id)
        variant = line.variant
        if not variant.active or not variant.product.is_buyable:
            raise CartError(_("商品不存在或已下架"), status=409, code="unavailable")
        line.quantity = _checked(variant, qty)
        line.price_seen_cents = pricing.unit_price(variant, line.quantity)
    return line


def line_for_variant(cart: Cart | None, variant_id) -> CartLine:
    vid = parse_id(variant_id)
    line = next((ln for ln in cart.lines if ln.variant_id == vid), None) if cart and vid else None
    if line is None:
        raise CartError(_("购物车中没有这一项"), status=404, code="not_found")
    return line


@atomic()
def remove_line(line_id, *, cart: Cart | None = None) -> None:
    cart = cart or current_cart()
    line = _own_line(cart, line_id)
    db.session.delete(line)


def clear(cart: Cart | None = None) -> None:
    cart = cart or current_cart()
    if cart is not None:
        with atomic_keeping_loaded():
            for line in list(cart.lines):
                db.session.delete(line)
        db.session.expire(cart, ["lines"])


@atomic()
def acknowledge_prices(cart: Cart) -> None:
    """The buyer has been shown the new prices: they become the prices he saw."""
    for line in cart.lines:
        line.price_seen_cents = pricing.unit_price(line.variant, line.quantity)


# --- the view model ---------------------------------------------------------------------------------

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
    by_shop: dict[int, ShopGroup] = {}
    lines = load_lines(cart)
    rules = rules_for({ln.variant.product.shop_id: ln.variant.product.shop for ln in lines}.values())
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


def line_count() -> int:
    cart = current_cart()
    return len(cart.lines) if cart is not None else 0
