"""Listing moderation: the admin hides and restores products, approves or rejects those waiting in a
category that requires approval, and closes buyers' reports; buyers report listings.

Every admin verb runs in one transaction with its status move (PRODUCT_STATUS: history with who, when
and why), an audit entry (marketplace.admin.services.record_audit, as the shell's admin verbs) and a
notice to the shop's owner in his language (marketplace.mail.notices.notify). Refusals raise
``ModerationError`` (a CatalogError) or ``InvalidTransition``, and nothing is changed.
"""

from __future__ import annotations

import functools
import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from catalog.models import (
    Product,
    ProductReport,
    ProductStatus,
    ProductStatusChange,
    ReportReason,
    ReportStatus,
)
from catalog.services.errors import CatalogError
from catalog.services.notices import notify_owner as _notify_owner
from catalog.services.products import PRODUCT_STATUS, move_product, publish_problem
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.states import InvalidTransition, StateMachine

S = ProductStatus
#: Longest reason the admin gives (the history's note column) and longest text of a report.
REASON_MAX = 200
REPORT_TEXT_MAX = 500
#: Control characters refused in reasons and report texts (tab and line breaks are text).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

REPORT_REASON_LABELS = {
    ReportReason.COUNTERFEIT: _l("假冒伪劣"),
    ReportReason.PROHIBITED: _l("违禁商品"),
    ReportReason.WRONG_CATEGORY: _l("分类错误"),
    ReportReason.MISLEADING: _l("价格或描述不实"),
    ReportReason.OTHER: _l("其他"),
}
REPORT_STATUS_LABELS = {ReportStatus.OPEN: lazy_pgettext("report status", "待处理"), ReportStatus.DISMISSED: _l("已驳回"),
                        ReportStatus.ACTIONED: _l("已处理：商品已下架")}
#: A report is closed once; the row keeps who closed it, when and why.
REPORT_STATUS = StateMachine("product_report", {ReportStatus.OPEN: {ReportStatus.DISMISSED, ReportStatus.ACTIONED}},
                             labels=REPORT_STATUS_LABELS,
                             stamps={ReportStatus.DISMISSED: "resolved_at", ReportStatus.ACTIONED: "resolved_at"})


class ModerationError(CatalogError):
    """A moderation step was refused (a missing reason, a report that cannot be made)."""

    status = 422
    code = "moderation_refused"


def clean_text(text: str | None, *, limit: int, field: str, required: bool) -> str:
    """``text`` stripped; refused when required and empty, over ``limit`` or holding control characters."""
    text = (text or "").strip()
    if required and not text:
        raise ModerationError(_("请填写原因：店主会在通知中看到它。"), field=field)
    if len(text) > limit:
        raise ModerationError(_("不能超过 %(n)d 个字", n=limit), field=field)
    if _CONTROLS.search(text):
        raise ModerationError(_("含有不能保存的控制字符"), field=field)
    return text


def snapshot(product: Product) -> dict:
    return {"status": ProductStatus(product.status).value, "moderation_note": product.moderation_note}


def _audit(actor, action: str, product: Product, before: dict, note: str | None) -> None:
    from marketplace.admin.services import record_audit

    record_audit(actor, action, "product", product.id, before=before, after=snapshot(product), note=note or None)


def _usable(product: Product) -> None:
    if product.deleted_at is not None:
        raise ModerationError(_("商品已被店铺删除"), status=409, code="product_deleted")


def _tell_reporters(reporter_ids, product: Product, outcome: str) -> None:
    """Whoever reported the product hears what became of it (notification type catalog.report)."""
    from marketplace.accounts.models import User
    from marketplace.notifications.dispatch import post

    ids = sorted({i for i in reporter_ids if i is not None})  # a deleted account's report has none
    if not ids:
        return
    for user in db.session.scalars(sa.select(User).where(User.id.in_(ids), User.active.is_(True))):
        post(user, "catalog.report", params={"product": product.title, "outcome": outcome},
             subject=("product", product.id))


def _close_reports(product: Product, actor, note: str) -> int:
    """Every open report of the product marked actioned (the product was hidden); the reporters are told."""
    reporters = db.session.scalars(sa.select(ProductReport.reporter_id).where(
        ProductReport.product_id == product.id, ProductReport.status == ReportStatus.OPEN)).all()
    if not reporters:
        return 0
    _tell_reporters(reporters, product, "actioned")
    result = db.session.execute(
        sa.update(ProductReport).where(ProductReport.product_id == product.id, ProductReport.status == ReportStatus.OPEN)
        .values(status=ReportStatus.ACTIONED, is_open=None, resolved_at=utcnow(),
                resolved_by_id=getattr(actor, "id", None), resolution_note=note[:REASON_MAX])
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


# --- the admin's verbs on a product ----------------------------------------------------------

def hide_product(product: Product, actor, reason: str) -> Product:
    """Take a product out of the catalogue, search, carts and checkout (blocked), whatever its status;
    its open reports are closed as actioned. Only the admin restores it."""
    reason = clean_text(reason, limit=REASON_MAX, field="reason", required=True)
    _usable(product)
    with atomic():
        before = snapshot(product)
        move_product(product, S.BLOCKED, actor, reason, moderation_note=reason)
        _close_reports(product, actor, reason)
        _audit(actor, "product.hide", product, before, reason)
        _notify_owner(product, "hidden", reason)
    return product


def status_before_block(product: Product) -> ProductStatus:
    """Where a restore goes: the status the product had when it was hidden (hidden when unknown)."""
    last = db.session.scalar(
        sa.select(ProductStatusChange.from_status)
        .where(ProductStatusChange.product_id == product.id, ProductStatusChange.to_status == S.BLOCKED)
        .order_by(ProductStatusChange.created_at.desc(), ProductStatusChange.id.desc()).limit(1))
    target = ProductStatus(last) if last else S.HIDDEN
    if target in (S.BLOCKED,) or (target == S.PUBLISHED and publish_problem(product)):
        return S.HIDDEN  # its category was closed meanwhile, say: back to the shop, off sale
    return target


def restore_product(product: Product, actor, reason: str) -> Product:
    """Undo a hide: the product returns to the status it had (on sale again if it was)."""
    reason = clean_text(reason, limit=REASON_MAX, field="reason", required=True)
    _usable(product)
    if product.status != S.BLOCKED:
        raise InvalidTransition(PRODUCT_STATUS, ProductStatus(product.status), S.PUBLISHED)
    target = status_before_block(product)
    fields: dict = {"moderation_note": None}
    if target == S.PUBLISHED:
        fields["approved_category_id"] = product.category_id  # the admin has looked at it
    with atomic():
        before = snapshot(product)
        move_product(product, target, actor, reason, **fields)
        _audit(actor, "product.restore", product, before, reason)
        _notify_owner(product, "restored", reason)
    return product


def approve_product(product: Product, actor, note: str = "") -> Product:
    """A pending product goes public; it stays approved in its category (re-publishing after taking it
    off sale needs no second approval; a move to another category that requires approval does)."""
    note = clean_text(note, limit=REASON_MAX, field="reason", required=False)
    _usable(product)
    if product.status != S.PENDING:
        raise InvalidTransition(PRODUCT_STATUS, ProductStatus(product.status), S.PUBLISHED)
    problem = publish_problem(product)
    if problem:
        raise ModerationError(problem, status=409, code="not_publishable")
    with atomic():
        before = snapshot(product)
        move_product(product, S.PUBLISHED, actor, note or _("审核通过"), moderation_note=None,
                     approved_category_id=product.category_id)
        _audit(actor, "product.approve", product, before, note)
        _notify_owner(product, "approved", note)
    return product


def reject_product(product: Product, actor, reason: str) -> Product:
    """A pending product is refused with a reason; the merchant may change it and submit it again."""
    reason = clean_text(reason, limit=REASON_MAX, field="reason", required=True)
    _usable(product)
    if product.status != S.PENDING:
        raise InvalidTransition(PRODUCT_STATUS, ProductStatus(product.status), S.REJECTED)
    with atomic():
        before = snapshot(product)
        move_product(product, S.REJECTED, actor, reason, moderation_note=reason)
        _audit(actor, "product.reject", product, before, reason)
        _notify_owner(product, "rejected", reason)
    return product


# --- reports ---------------------------------------------------------------------------------

def open_report_of(product_id: int, user) -> ProductReport | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(_open_report_statement(), {"product_id": product_id, "reporter_id": user.id})


def open_report_on_page(product_id: int, user) -> ProductReport | None:
    """open_report_of() for a page: no statement when the reader was loaded knowing he has no open
    report at all (``User.open_product_reports``, loaded with him on every request), as most have."""
    if getattr(user, "is_authenticated", False) and user.__dict__.get("open_product_reports") is False:
        return None
    return open_report_of(product_id, user)


@functools.cache
def _open_report_statement() -> sa.Select:
    """A reader's open report of a product (every product page a buyer reads), built once."""
    return sa.select(ProductReport).where(
        ProductReport.product_id == sa.bindparam("product_id"), ProductReport.reporter_id == sa.bindparam("reporter_id"),
        ProductReport.status == ReportStatus.OPEN)


def report_product(product: Product, user, reason: str, text: str = "") -> tuple[ProductReport, bool]:
    """A buyer reports a public listing. Returns (the report, whether it is new): a second report of
    the same product while his first is open changes nothing and returns the first."""
    from marketplace.shops.services import member_of

    if not product.is_buyable:
        raise ModerationError(_("商品不存在或已下架"), status=404, code="not_found")
    member = member_of(user.id)
    if member is not None and member.shop_id == product.shop_id:
        raise ModerationError(_("不能举报自己店铺的商品"), status=403, code="own_product")
    try:
        reason_ = ReportReason(reason)
    except ValueError:
        raise ModerationError(_("请选择举报原因"), field="reason") from None
    text = clean_text(text, limit=REPORT_TEXT_MAX, field="text", required=False)
    existing = open_report_of(product.id, user)
    if existing is not None:
        return existing, False
    try:
        with atomic():
            report = ProductReport(product_id=product.id, reporter_id=user.id, reason=reason_, text=text,
                                   status=ReportStatus.OPEN, is_open=True)
            db.session.add(report)
    except sa.exc.IntegrityError:  # the same buyer's twin request won the race
        existing = open_report_of(product.id, user)
        if existing is None:
            raise
        return existing, False
    return report, True


def dismiss_report(report: ProductReport, actor, note: str = "") -> ProductReport:
    """Close a report without acting on the product (nothing wrong found)."""
    from marketplace.admin.services import record_audit

    note = clean_text(note, limit=REASON_MAX, field="note", required=False)
    with atomic():
        REPORT_STATUS.move(report, ReportStatus.DISMISSED, actor=actor, is_open=None,
                           resolved_by_id=getattr(actor, "id", None), resolution_note=note or None)
        record_audit(actor, "product_report.dismiss", "product_report", report.id,
                     before={"status": ReportStatus.OPEN.value}, after={"status": ReportStatus.DISMISSED.value},
                     note=note or None)
        _tell_reporters([report.reporter_id], report.product, "dismissed")
    return report


def hide_for_report(report: ProductReport, actor, reason: str) -> Product:
    """Act on a report: hide its product (which closes every open report of it)."""
    if report.status != ReportStatus.OPEN:
        raise InvalidTransition(REPORT_STATUS, ReportStatus(report.status), ReportStatus.ACTIONED)
    product = report.product
    if product.status == S.BLOCKED:  # hidden meanwhile: only the reports are left to close
        reason = clean_text(reason, limit=REASON_MAX, field="reason", required=True)
        with atomic():
            _close_reports(product, actor, reason)
        return product
    return hide_product(product, actor, reason)
