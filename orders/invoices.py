"""Invoices (发票): the buyer's saved titles, a request on an order, the merchant's issued e-invoice
(number, date, PDF) and its download.

A company title carries a 统一社会信用代码 validated with its check character (marketplace.uscc).
The PDF goes through the one validator (marketplace.media.check_pdf), is size-capped and stored
privately under a generated name; only the order's buyer and its shop may download it (404 else).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.exc import IntegrityError

from marketplace import uscc
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.media import check_pdf, get_storage, read_upload
from marketplace.states import StateMachine
from orders.cart import CartError
from orders.fulfilment import _text as text_field
from orders.models import Order, OrderStatus
from orders.terms_models import Invoice, InvoiceStatus, InvoiceTitle, LineWeighing, TitleKind

I = InvoiceStatus  # noqa: E741
STATUS_LABELS = {I.REQUESTED: _l("待开票"), I.ISSUED: _l("已开票"), I.CANCELLED: _l("已撤销")}
KIND_LABELS = {TitleKind.COMPANY: lazy_pgettext("organisation", "单位"), TitleKind.PERSONAL: _l("个人")}
INVOICE_MACHINE = StateMachine("invoice", {I.REQUESTED: {I.ISSUED, I.CANCELLED}}, labels=STATUS_LABELS,
                               stamps={I.ISSUED: "issued_at", I.CANCELLED: "cancelled_at"})
#: An order may be invoiced once it is paid (or bought on credit) and not cancelled.
INVOICEABLE = {OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.READY_FOR_PICKUP,
               OrderStatus.DELIVERED, OrderStatus.COMPLETED}
MAX_TITLES = 20


def status_label(status) -> str:
    return str(STATUS_LABELS[InvoiceStatus(status)])


def kind_label(kind) -> str:
    return str(KIND_LABELS[TitleKind(kind)])


def titles_of(user) -> list[InvoiceTitle]:
    return list(db.session.scalars(sa.select(InvoiceTitle).where(InvoiceTitle.user_id == user.id)
                                   .order_by(InvoiceTitle.id)))


def checked_tax_id(raw, field: str = "tax_id") -> str:
    code = uscc.normalise(raw)
    if code is None:
        raise CartError(_("统一社会信用代码不正确：应为 18 位，最后一位是校验码，请核对"), field=field,
                        code="invalid_tax_id")
    return code


@atomic()
def add_title(user, kind, name, tax_id=None) -> InvoiceTitle:
    try:
        kind = TitleKind(kind)
    except ValueError:
        raise CartError(_("请选择抬头类型"), field="kind") from None
    name = text_field(name, 100, _("发票抬头"), required=True)
    code = checked_tax_id(tax_id) if kind == TitleKind.COMPANY else ""
    if len(titles_of(user)) >= MAX_TITLES:
        raise CartError(_("最多保存 %(n)d 个发票抬头", n=MAX_TITLES))
    title = InvoiceTitle(user_id=user.id, kind=kind, name=name, tax_id=code)
    db.session.add(title)
    db.session.flush()
    return title


@atomic()
def delete_title(user, title_id) -> None:
    title = own_title(user, title_id)
    db.session.delete(title)


def own_title(user, title_id) -> InvoiceTitle:
    try:
        title = db.session.get(InvoiceTitle, int(title_id))
    except (TypeError, ValueError):
        title = None
    if title is None or title.user_id != user.id:
        raise CartError(_("发票抬头不存在"), status=404, code="not_found")
    return title


def invoice_of(order: Order) -> Invoice | None:
    return db.session.scalar(sa.select(Invoice).where(Invoice.order_id == order.id))


def invoice_amount(order: Order) -> int:
    """What the buyer paid for the order: its total less what a weighed shortfall gave back."""
    back = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LineWeighing.refunded_cents), 0))
                             .where(LineWeighing.order_id == order.id)) or 0
    return order.total_cents - back


def request_invoice(order: Order, buyer, title_id) -> Invoice:
    """The buyer asks for an invoice on his order with one of his titles; a second request returns the first."""
    found = invoice_of(order)
    if found is not None:
        return found
    title = own_title(buyer, title_id)
    if order.buyer_id != buyer.id:
        raise CartError(_("订单不存在"), status=404, code="not_found")
    if order.status not in INVOICEABLE:
        raise CartError(_("订单付款后才能申请发票"), status=409, code="not_invoiceable")
    try:
        with atomic():
            invoice = Invoice(order_id=order.id, shop_id=order.shop_id, buyer_id=buyer.id, title_kind=title.kind,
                              title_name=title.name, tax_id=title.tax_id, amount_cents=invoice_amount(order),
                              status=InvoiceStatus.REQUESTED, requested_at=utcnow())
            db.session.add(invoice)
            db.session.flush()
    except IntegrityError:
        found = invoice_of(order)
        if found is None:
            raise
        return found
    return invoice


def _issued_on(raw) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        value = dt.date.fromisoformat((raw or "").strip()) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or value.year < 2000 or value > utcnow().date() + dt.timedelta(days=1):
        raise CartError(_("请填写正确的开票日期"), field="issued_on")
    return value


def read_pdf_upload(file_storage) -> bytes:
    """An uploaded invoice PDF's bytes, refused past INVOICE_PDF_MAX_BYTES (read no further)."""
    return read_upload(file_storage, current_app.config["INVOICE_PDF_MAX_BYTES"])


def issue_invoice(invoice: Invoice, actor, *, number, issued_on, pdf: bytes) -> Invoice:
    """The merchant records the e-invoice he issued: number, date and the PDF (validated, private)."""
    if invoice.status == InvoiceStatus.ISSUED:
        return invoice  # a double submit
    INVOICE_MACHINE.check(invoice.status, InvoiceStatus.ISSUED)
    number = text_field(number, 30, _("发票号码"), required=True)
    if not number.isalnum():
        raise CartError(_("发票号码只能是字母和数字"), field="number")
    day = _issued_on(issued_on)
    data = pdf
    if not data:
        raise CartError(_("请上传电子发票 PDF"), field="pdf")
    if len(data) > current_app.config["INVOICE_PDF_MAX_BYTES"]:
        raise CartError(_("文件太大：不能超过 %(mb)s MB", mb=current_app.config["INVOICE_PDF_MAX_BYTES"] // 2**20),
                        status=422, code="invalid_upload", field="pdf")
    check_pdf(data)
    digest = hashlib.sha256(data).hexdigest()
    key = get_storage().save(f"private/invoices/{digest[:2]}/{digest[:40]}.pdf", data)
    with atomic():
        INVOICE_MACHINE.move(invoice, InvoiceStatus.ISSUED, actor=actor, number=number, issued_on=day,
                             pdf_key=key, pdf_bytes=len(data))
        from orders import terms_notify

        terms_notify.invoice_issued(invoice)
    return invoice


def pdf_bytes(invoice: Invoice) -> bytes:
    return get_storage().open(invoice.pdf_key)
