"""Who reaches which request: the buyer his own, a shop's members their shop's, admins all; any
other id is a 404 (never another's data)."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from aftersales.models import AfterSale
from aftersales.status import OPEN
from marketplace.extensions import db
from marketplace.shops.policy import is_member


def _load(case_id: int) -> AfterSale | None:
    return db.session.scalar(db.select(AfterSale).where(AfterSale.id == case_id)
                             .options(selectinload(AfterSale.lines), selectinload(AfterSale.photos)))


def buyer_case_or_404(case_id: int, user) -> AfterSale:
    case = _load(case_id)
    if case is None or case.buyer_id != user.id:
        abort(404)
    return case


def shop_case_or_404(case_id: int, shop) -> AfterSale:
    case = _load(case_id)
    if case is None or case.shop_id != shop.id:
        abort(404)
    return case


def any_case_or_404(case_id: int) -> AfterSale:
    case = _load(case_id)
    if case is None:
        abort(404)
    return case


def may_see(user, case: AfterSale) -> bool:
    """The buyer, the shop's members, admins (is_member counts admins)."""
    return case.buyer_id == user.id or is_member(user, case.order.shop)


def holds_payout(order_id: int) -> str | None:
    """An open request keeps the order's transfer to the shop back (payments.payouts.PAYOUT_HOLDS):
    its refund comes out of the shop's share, which is easier kept than taken back."""
    open_case = db.session.scalar(db.select(AfterSale.id).where(AfterSale.order_id == order_id,
                                                                AfterSale.status.in_(OPEN)).limit(1))
    return _l("售后处理中，结算暂缓") if open_case is not None else None
