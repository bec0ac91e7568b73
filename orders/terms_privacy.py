"""The trade terms in the user's data export and deletion: invoice titles, invoices, the business
profile and monthly statements. A deletion removes the saved titles and the business profile;
issued invoices and statements stay (the shops' books), and an unpaid statement holds the deletion."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.registry import register_personal_data
from orders.terms_models import BusinessProfile, Invoice, InvoiceTitle, Statement, StatementStatus


def _iso(value):
    return as_utc(value).isoformat() if value else None


def export_terms(user, limit: int) -> dict:
    profile = db.session.scalar(sa.select(BusinessProfile).where(BusinessProfile.user_id == user.id))
    titles = db.session.scalars(sa.select(InvoiceTitle).where(InvoiceTitle.user_id == user.id)
                                .order_by(InvoiceTitle.id).limit(limit))
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.buyer_id == user.id).order_by(Invoice.id).limit(limit))
    statements = db.session.scalars(sa.select(Statement).where(Statement.buyer_id == user.id)
                                    .order_by(Statement.id).limit(limit))
    return {
        "business_profile": {"company_name": profile.company_name, "tax_id": profile.tax_id} if profile else None,
        "invoice_titles": [{"kind": t.kind.value, "name": t.name, "tax_id": t.tax_id} for t in titles],
        "invoices": [{"order": i.order.number, "status": i.status.value, "title": i.title_name, "tax_id": i.tax_id,
                      "amount_cents": i.amount_cents, "number": i.number, "requested_at": _iso(i.requested_at)}
                     for i in invoices],
        "statements": [{"shop": s.shop.name, "period": s.period, "status": s.status.value,
                        "total_cents": s.total_cents} for s in statements],
    }


def erase_terms(erasure) -> None:
    user_id = erasure.user.id
    db.session.execute(sa.delete(InvoiceTitle).where(InvoiceTitle.user_id == user_id))
    db.session.execute(sa.delete(BusinessProfile).where(BusinessProfile.user_id == user_id))


def unpaid_statement_block(user) -> str | None:
    unpaid = db.session.scalar(sa.select(sa.func.count(Statement.id)).where(
        Statement.buyer_id == user.id, Statement.status != StatementStatus.PAID, Statement.total_cents > 0)) or 0
    return _("您还有未结清的月结单：请结清后再注销账号。") if unpaid else None


def register(app) -> None:
    register_personal_data(app, "terms", _l("发票和月结"), export=export_terms, erase=erase_terms,
                           blocks=unpaid_statement_block)
