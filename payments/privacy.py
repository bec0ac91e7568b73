"""The buyer's payments and refunds in his data export; a refund in progress holds his deletion.

Payments, refunds and ledger rows are never changed by a deletion: they name order groups, orders
and shops, not people, and the books must still balance afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.registry import register_personal_data
from orders.models import OrderGroup
from orders.terms_models import Statement
from payments.models import Payment, Refund, RefundStatus


def _iso(value):
    return as_utc(value).isoformat() if value else None


def _buyers(user):
    """The user's payments: of his order groups, and of his monthly statements (no group)."""
    return sa.or_(Payment.group_id.in_(sa.select(OrderGroup.id).where(OrderGroup.buyer_id == user.id)),
                  Payment.statement_id.in_(sa.select(Statement.id).where(Statement.buyer_id == user.id)))


def export_payments(user, limit: int) -> dict:
    payments = db.session.scalars(sa.select(Payment).where(_buyers(user)).order_by(Payment.id).limit(limit))
    refunds = db.session.scalars(sa.select(Refund).join(Payment, Refund.payment_id == Payment.id)
                                 .where(_buyers(user)).order_by(Refund.id).limit(limit))
    return {
        "payments": [{"method": p.method.value, "status": p.status.value, "amount_cents": p.amount_cents,
                      "currency": p.currency, "order": p.order.number if p.order else None,
                      "orders": [o.number for o in p.group.orders] if p.group else
                      [c.order.number for c in p.statement.charges],
                      "statement": p.statement.period if p.statement else None, "reference_code": p.reference_code,
                      "created_at": _iso(p.created_at), "succeeded_at": _iso(p.succeeded_at)} for p in payments],
        "refunds": [{"amount_cents": r.amount_cents, "status": r.status.value, "reason": r.reason,
                     "order": r.order.number if r.order else None, "created_at": _iso(r.created_at),
                     "completed_at": _iso(r.completed_at)} for r in refunds],
    }


def refund_block(user) -> str | None:
    pending = db.session.scalar(sa.select(sa.func.count(Refund.id)).join(Payment, Refund.payment_id == Payment.id)
                                .where(_buyers(user), Refund.status == RefundStatus.PENDING)) or 0
    if not pending:
        return None
    return _("您有退款正在处理中：请等退款到账后再注销账号。")


def register(app) -> None:
    register_personal_data(app, "payments", _l("支付和退款记录"), export=export_payments, blocks=refund_block)
