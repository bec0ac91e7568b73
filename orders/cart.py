"""The cart: visitor carts in a signed cookie, user carts, line edits with validation, the view model.

Every write validates first and changes nothing when the input is bad (CartError with a message in
the user's language). Prices shown come from the database at each view; the price the buyer saw
when he set a quantity is kept so a re-price is flagged instead of silently changed.
"""

from __future__ import annotations

import functools
import re
import secrets
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm.attributes import set_committed_value

from catalog import pricing
from catalog.models import Variant
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from orders.cart_view import CartKey, CartView, cart_condition, read_for_add, view_of
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
    """Add ``quantity`` of a variant (adding to a line already there), or change nothing.

    One transaction of at most three statements besides the user's load: the variant with its
    product, shop and tiers, its line in the cart and the cart's id and size (one SELECT); the cart
    itself on the first add of a user's or visitor's life; the line as one upsert (INSERT ... ON
    CONFLICT DO UPDATE ... RETURNING). The returned line carries its variant (no further query).
    """
    line, _view = _add(variant_id, quantity, cart, whole_cart=False)
    return line


def add_item_with_view(variant_id, quantity, *, cart: Cart | None = None) -> CartView:
    """add_item(), answered with the whole cart's view (the JSON API's answer) from the same single
    read: the cart's other lines, their shops' delivery rules and zones come with the variant."""
    _line, view = _add(variant_id, quantity, cart, whole_cart=True)
    return view


def _cart_key(cart: Cart | None) -> CartKey:
    """The CartKey naming the request's cart without loading it (None: a visitor without one)."""
    if cart is not None:
        return ("id", cart.id)
    if getattr(current_user, "is_authenticated", False):
        return ("user_id", current_user.id)
    token = visitor_token()
    return ("token", token) if token else None


def _insert(model, dialect: str | None = None):
    """The dialect's INSERT (its ON CONFLICT clause: PostgreSQL and SQLite >= 3.35 with RETURNING)."""
    if (dialect or db.session.get_bind().dialect.name) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def _new_cart_id(now) -> int:
    """Create the request's cart (its first add): a user's by upsert (a concurrent first add gets the
    same row), a visitor's with a new token for his cookie."""
    if getattr(current_user, "is_authenticated", False):
        stmt = _insert(Cart).values(user_id=current_user.id, created_at=now, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=[Cart.user_id], set_={"updated_at": stmt.excluded.updated_at})
        return db.session.execute(stmt.returning(Cart.id)).scalar_one()
    token = secrets.token_urlsafe(24)
    cart_id = db.session.execute(sa.insert(Cart).values(token=token, created_at=now, updated_at=now)
                                 .returning(Cart.id)).scalar_one()
    g.orders_cart_cookie = token
    return cart_id


@functools.cache
def _upsert_statement(dialect: str, was_there: bool):
    """The line's upsert (by dialect, and whether the line was there), built once with bound parameters."""
    now = sa.bindparam("now")
    stmt = _insert(CartLine, dialect).values(cart_id=sa.bindparam("cart_id"), variant_id=sa.bindparam("variant_id"),
                                             quantity=sa.bindparam("quantity"), price_seen_cents=sa.bindparam("price"),
                                             created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CartLine.cart_id, CartLine.variant_id],
        set_={"quantity": stmt.excluded.quantity, "price_seen_cents": stmt.excluded.price_seen_cents,
              "updated_at": stmt.excluded.updated_at},
        where=(CartLine.quantity == sa.bindparam("seen", type_=sa.Integer)) if was_there else sa.false())
    return stmt.returning(CartLine)


def _upsert_line(cart_id: int, variant_id: int, quantity: int, price: int, seen: int | None, now) -> CartLine | None:
    """Write the line's new quantity and price: insert it, or update it only if its quantity is still
    the ``seen`` one (None: it was not there). None when another request changed it meanwhile."""
    stmt = _upsert_statement(db.session.get_bind().dialect.name, seen is not None)
    params = {"cart_id": cart_id, "variant_id": variant_id, "quantity": quantity, "price": price, "now": now}
    if seen is not None:
        params["seen"] = seen
    return db.session.scalars(stmt, params, execution_options={"populate_existing": True}).first()


class _LineChanged(Exception):
    """The line changed between the read and the upsert (a concurrent add): start again."""


#: Attempts of an add whose line a concurrent request keeps changing (each a transaction of its own;
#: from the second on PostgreSQL the line is locked first, so the next one wins).
ADD_ATTEMPTS = 10


def _add(variant_id, quantity, cart: Cart | None, whole_cart: bool):
    qty = parse_quantity(quantity)
    vid = parse_id(variant_id)
    key = _cart_key(cart)
    try:
        for attempt in range(ADD_ATTEMPTS):
            try:
                # Kept loaded: the answer is built from the rows just read and the line the upsert returned.
                with atomic_keeping_loaded():
                    return _add_once(vid, qty, key, whole_cart, lock=attempt > 0)
            except _LineChanged:  # rolled back by atomic(): read it again, adding to its new quantity
                continue
        raise CartError(_("购物车正在被修改，请稍后重试"), status=409, code="cart_busy")
    except Exception:
        g.pop("orders_cart_cookie", None)  # a cart created above was rolled back: no cookie for it
        raise


def _add_once(vid, qty: int, key: CartKey, whole_cart: bool, lock: bool):
    if lock and key is not None and db.session.get_bind().dialect.name == "postgresql":
        cart_id = sa.select(Cart.id).where(cart_condition(key)).scalar_subquery()
        db.session.execute(sa.select(CartLine.id).where(CartLine.cart_id == cart_id, CartLine.variant_id == (vid or 0))
                           .with_for_update())
    variant, line, cart_id, n_lines, others, rules = read_for_add(vid, key, whole_cart)
    if variant is None or not variant.active or not variant.product.is_buyable:
        raise CartError(_("商品不存在或已下架"), status=404, code="not_found")
    seen = line.quantity if line is not None else None
    total = _checked(variant, qty + (seen or 0))
    if line is None and n_lines >= MAX_LINES:
        raise CartError(_("购物车最多 %(n)d 种商品", n=MAX_LINES), code="cart_full")
    now = utcnow()
    if cart_id is None:
        cart_id = _new_cart_id(now)
    written = _upsert_line(cart_id, variant.id, total, pricing.unit_price(variant, total), seen, now)
    if written is None:
        raise _LineChanged()
    set_committed_value(written, "variant", variant)
    view = None
    if whole_cart:
        lines = sorted([*(ln for ln in others if ln.id != written.id), written], key=lambda ln: ln.id)
        view = view_of(None, lines, rules)
    return written, view


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
def acknowledge_prices(cart: Cart, lines: list[CartLine] | None = None) -> None:
    """The buyer has been shown the new prices: they become the prices he saw (``lines``: the
    cart's lines already loaded, else its ``lines``)."""
    for line in cart.lines if lines is None else lines:
        line.price_seen_cents = pricing.unit_price(line.variant, line.quantity)


def line_count() -> int:
    cart = current_cart()
    return len(cart.lines) if cart is not None else 0
