"""Who reaches which request: the buyer his own, a shop's members their shop's, admins all; any
other id is a 404 (never another's data)."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import selectinload

from aftersales.models import AfterSale
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
