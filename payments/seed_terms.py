"""Demo data of the trade terms, through the real services: a restaurant in 睢阳区 on monthly terms
with the vegetable stall of the 商丘农产品中心批发市场 (last month's statement issued, this month's
open), a supermarket's weighed orders (one settled 0.6 斤 short with its refund, one 0.8 斤 over and
paid for), and invoiced orders."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from catalog import pricing
from catalog.models import Product, Variant
from marketplace.accounts.models import User
from marketplace.db import at_time, utcnow
from marketplace.extensions import db
from marketplace.uscc import check_character
from orders import invoices, services, weighing
from orders.models import Cart, CartLine
from orders.terms_models import Statement
from payments import credit

RESTAURANT = ("buyer@demo.example", "商丘市睢阳区王芳家常菜馆", "92411403MA4WFJC00")
SUPERMARKET = ("buyer2@demo.example", "商丘市梁园区刘强生鲜超市有限公司", "91411402MA4LQ6X00")


def demo_pdf(text: str) -> bytes:
    """A one-page PDF (the e-invoice's stand-in) with a line of ASCII text."""
    stream = f"BT /F1 18 Tf 60 760 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _code(first17: str) -> str:
    return first17 + check_character(first17)


def _order(buyer: User, variant: Variant, quantity: int):
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
    line = next((ln for ln in cart.lines if ln.variant_id == variant.id), None)
    if line is None:
        line = CartLine(variant_id=variant.id)
        cart.lines.append(line)
    line.quantity, line.price_seen_cents = quantity, pricing.unit_price(variant, quantity)
    db.session.add(cart)
    db.session.flush()
    return services.place_order(cart, buyer, choices=None, idempotency_key=services.new_idempotency_key())


def seed_demo_terms(progress=None) -> dict | None:
    """Safe to repeat: does nothing once the restaurant has a statement."""
    restaurant = db.session.scalar(sa.select(User).where(User.email == RESTAURANT[0]))
    market = db.session.scalar(sa.select(User).where(User.email == SUPERMARKET[0]))
    product = db.session.scalar(sa.select(Product).where(Product.code == "LW-001"))
    if restaurant is None or market is None or product is None:
        return None
    if db.session.scalar(sa.select(sa.func.count(Statement.id)).where(Statement.buyer_id == restaurant.id)):
        return None
    shop = product.shop
    owner = shop.members[0].user
    by_jin = next(v for v in product.variants if weighing.is_weight_unit(v.unit))

    # A restaurant on monthly terms: last month's order is on an issued statement, this month's on an open one.
    credit.save_profile(restaurant, RESTAURANT[1], _code(RESTAURANT[2]))
    credit.grant_credit(shop, owner, _code(RESTAURANT[2]), "5000", "30")
    earlier = credit.local_now().replace(day=1) - dt.timedelta(days=1)  # last month
    with at_time(earlier):
        last = _order(restaurant, by_jin, 60)
        credit.buy_on_credit(last, restaurant)
    credit.issue_and_age()
    this_month = _order(restaurant, by_jin, 40)
    credit.buy_on_credit(this_month, restaurant)

    # A supermarket pays at the stall; its 40 斤 weigh 39.4 斤 at handover and 0.6 斤 is refunded.
    weighed = _order(market, by_jin, 40).orders[0]
    services.mark_paid(weighed, owner, "现金")
    services.accept(weighed, owner)
    weighing.record_weight(weighed, weighed.lines[0].id, "39.4", owner)
    # ... and another order of 30 斤 weighs 30.8 斤: 0.8 斤 more, paid at the stall and confirmed.
    over = _order(market, by_jin, 30).orders[0]
    services.mark_paid(over, owner, "现金")
    services.accept(over, owner)
    weighing.record_weight(over, over.lines[0].id, "30.8", owner)
    from payments import weighed as weighed_charges

    weighed_charges.collect(over, owner)

    # Invoices: the supermarket's company title on the weighed order (issued), the restaurant's requested.
    title = invoices.add_title(market, "company", SUPERMARKET[1], _code(SUPERMARKET[2]))
    invoice = invoices.request_invoice(weighed, market, title.id)
    invoices.issue_invoice(invoice, owner, number="26412000000000012345", issued_on=utcnow().date(),
                           pdf=demo_pdf(f"Demo e-invoice 26412000000000012345 for order {weighed.number}"))
    rest_title = invoices.add_title(restaurant, "company", RESTAURANT[1], _code(RESTAURANT[2]))
    invoices.request_invoice(last.orders[0], restaurant, rest_title.id)
    return {"statements": 2, "weighed": 2, "invoices": 2}
