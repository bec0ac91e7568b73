"""Quote verbs: a shop's staff answers a request (price lines, delivery, freight, validity, message,
attachments), or revises its quote while the request is open. Only a shop that may quote (matching
or invited), while the request is open, before its deadline and below its maximum, within the
shop's daily quota. Prices and totals are computed from the stored lines; a request reaching its
maximum of quotes stops taking more (closed)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.models import Product, ProductStatus, Variant
from catalog.units import normalise_unit
from marketplace import money
from marketplace.db import as_utc, atomic, utcnow
from marketplace.extensions import db
from sourcing import attachments, matching, notify
from sourcing import parsing as p
from sourcing.errors import SourcingError
from sourcing.models import Quote, QuoteLine, QuoteRevision, RequestStatus, SourcingRequest
from sourcing.status import REQUEST_MACHINE
from sourcing.tiers import per_kg, price_at, read_tiers

S = RequestStatus
MAX_LINES = 20


def _variant(shop, raw) -> Variant:
    variant_id = p.whole(raw, field="lines", high=2**31 - 1)
    variant = db.session.scalar(sa.select(Variant).join(Product).where(
        Variant.id == variant_id, Product.shop_id == shop.id, Product.status == ProductStatus.PUBLISHED,
        Product.deleted_at.is_(None), Variant.active.is_(True)))
    if variant is None:
        raise SourcingError(_("没有找到这个商品规格"), status=404, code="not_found", field="lines")
    return variant


def read_lines(shop, raw_lines) -> list[dict]:
    """Price lines: ``{"variant": id, "quantity", "unit_price"}`` for one of the shop's own
    variants, or ``{"name", "unit", "quantity", "unit_price"}`` for a free line; either may carry
    ``"tiers": [{"min_quantity", "unit_price"}]`` (sourcing.tiers)."""
    if not isinstance(raw_lines, list | tuple):
        raise SourcingError(_("请至少填写一行报价"), field="lines")
    rows = [row for row in raw_lines if isinstance(row, dict)
            and (any(str(v or "").strip() for k, v in row.items() if k != "tiers") or row.get("tiers"))]
    if not rows:
        raise SourcingError(_("请至少填写一行报价"), field="lines")
    if len(rows) > MAX_LINES:
        raise SourcingError(_("最多 %(n)d 行报价", n=MAX_LINES), field="lines")
    lines = []
    for row in rows:
        quantity = p.whole(row.get("quantity"), field="lines")
        price = p.cents(row.get("unit_price"), field="lines", required=True)
        if str(row.get("variant") or "").strip():
            variant = _variant(shop, row.get("variant"))
            line = {"variant_id": variant.id, "product_id": variant.product_id,
                    "name": f"{variant.product.title} {variant.name}"[:120], "unit": variant.unit,
                    "weight_grams": variant.weight_grams}
        else:
            unit = normalise_unit(p.text(row.get("unit"), 10, field="lines"))
            if unit is None:
                raise SourcingError(_("请选择计量单位"), field="lines")
            line = {"variant_id": None, "product_id": None, "unit": unit, "weight_grams": None,
                    "name": p.text(row.get("name"), 120, field="lines", required=_("请填写报价商品的名称"))}
        tiers = read_tiers(row.get("tiers"), base_price=price, quantity=quantity)
        total = money.multiply(price_at({"unit_price_cents": price, "tiers": tiers}, quantity)[0], quantity)
        if total > money.MAX_CENTS:
            raise SourcingError(_("金额过大"), field="lines")
        lines.append({**line, "quantity": quantity, "unit_price_cents": price, "line_total_cents": total,
                      "tiers": tiers or None})
    return lines


def read_form(shop, data, raw_lines) -> dict:
    lines = read_lines(shop, raw_lines)
    today = p.local_today()
    delivery = p.date(data.get("delivery_date"), field="delivery_date", required=True)
    valid = p.date(data.get("valid_until"), field="valid_until", required=True)
    if delivery < today:
        raise SourcingError(_("交货日期不能早于今天"), field="delivery_date")
    if valid < today or valid > today + dt.timedelta(days=180):
        raise SourcingError(_("报价有效期须在今天到 180 天之内"), field="valid_until")
    freight = p.cents(data.get("freight"), field="freight", positive=False) or 0
    total = sum(line["line_total_cents"] for line in lines) + freight
    if total > money.MAX_CENTS:
        raise SourcingError(_("金额过大"), field="lines")
    return {"lines": lines, "delivery_date": delivery, "valid_until": valid, "freight_cents": freight,
            "message": p.text(data.get("message"), 1000, field="message"), "total_cents": total}


def _check_open(req: SourcingRequest) -> None:
    if req.status != S.OPEN or as_utc(req.quote_deadline) <= utcnow():
        raise SourcingError(_("这条求购已停止报价"), status=409, code="not_open")


def _check_quota(shop) -> None:
    quota = current_app.config["SOURCING_QUOTES_PER_SHOP_PER_DAY"]
    sent = db.session.scalar(sa.select(sa.func.count()).select_from(Quote).where(
        Quote.shop_id == shop.id, Quote.created_at >= utcnow() - dt.timedelta(days=1)))
    if sent >= quota:
        raise SourcingError(_("每家店铺每天最多报价 %(n)d 次，请明天再来", n=quota), status=429, code="quota")


def own_quote(req: SourcingRequest, shop) -> Quote | None:
    return db.session.scalar(sa.select(Quote).where(Quote.request_id == req.id, Quote.shop_id == shop.id))


def quote_snapshot(quote: Quote) -> dict:
    return {"delivery_date": quote.delivery_date.isoformat(), "valid_until": quote.valid_until.isoformat(),
            "freight_cents": quote.freight_cents, "message": quote.message, "total_cents": quote.total_cents,
            "request_revision": quote.request_revision,
            "lines": [{"variant_id": ln.variant_id, "name": ln.name, "unit": ln.unit, "quantity": ln.quantity,
                       "unit_price_cents": ln.unit_price_cents, "line_total_cents": ln.line_total_cents,
                       "tiers": list(ln.tiers or [])}
                      for ln in quote.lines]}


def submit_quote(req: SourcingRequest, shop, user, data, raw_lines, *, uploads=()) -> Quote:
    """Send the shop's quote, or revise it (one quote per shop per request)."""
    if not matching.may_quote(req, shop):
        raise SourcingError(_("这条求购不在您店铺的经营类目或配送范围内，不能报价"), status=403, code="not_matching")
    values = read_form(shop, data, raw_lines)
    files = attachments.read_all(uploads)
    with atomic():
        db.session.refresh(req)
        _check_open(req)
        quote = own_quote(req, shop)
        if quote is None:
            _check_quota(shop)
            # One conditional UPDATE takes the place: two shops quoting at once never pass the maximum.
            taken = db.session.execute(sa.update(SourcingRequest).where(
                SourcingRequest.id == req.id, SourcingRequest.status == S.OPEN,
                SourcingRequest.quote_count < SourcingRequest.max_quotes)
                .values(quote_count=SourcingRequest.quote_count + 1).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise SourcingError(_("这条求购的报价已满"), status=409, code="full")
            db.session.refresh(req)
            quote = Quote(request_id=req.id, shop_id=shop.id, author_id=user.id)
            event = "new_quote"
        else:
            db.session.add(QuoteRevision(quote_id=quote.id, number=quote.revision, snapshot=quote_snapshot(quote)))
            quote.revision += 1
            quote.lines.clear()
            event = "quote_revised"
        lines = values.pop("lines")
        for name, value in values.items():
            setattr(quote, name, value)
        quote.request_revision = req.revision
        quote.updated_at = utcnow()
        quote.lines.extend(QuoteLine(**line) for line in lines)
        db.session.add(quote)
        db.session.flush()
        attachments.attach(req.id, files, user, quote_id=quote.id)
        notify.to_buyer(req, event, quote)
        if event == "new_quote" and req.quote_count >= req.max_quotes:
            REQUEST_MACHINE.move(req, S.CLOSED, note=_("报价数已达上限"))
    return quote


def per_kg_cents(line) -> int | None:
    """The line's unit price per kilogram, where its unit or its variant's weight converts."""
    return per_kg(line.unit_price_cents, line.unit, line.weight_grams)
