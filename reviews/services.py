"""The review verbs: a buyer reviews a delivered order line, the shop replies once, anyone signed in
reports a review, the platform hides one. Each runs in one transaction; every refusal is a
ReviewError in the user's language and changes nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.text import strip_controls
from orders.models import Order, OrderLine, OrderStatus
from reviews import notify, photos, totals
from reviews.errors import ReviewError
from reviews.models import DIMENSIONS, Review, ReviewReport

#: An order's lines may be reviewed once it reached one of these.
REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
#: Why a review is reported (the report form's choices).
REPORT_REASONS = {"spam": _l("广告或无关内容"), "abuse": _l("辱骂或人身攻击"), "privacy": _l("泄露个人信息"),
                  "fake": _l("虚假评价"), "other": _l("其他")}


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def window_ends(order: Order) -> dt.datetime | None:
    """When the buyer's time to review the order's lines ends (None before delivery)."""
    start = order.delivered_at or order.completed_at
    if start is None or order.status not in REVIEWABLE:
        return None
    return _as_utc(start) + dt.timedelta(days=current_app.config["REVIEW_WINDOW_DAYS"])


def refusal(order: Order, *, now: dt.datetime | None = None) -> str | None:
    """Why the order's lines cannot be reviewed now (None: they can, unless already reviewed)."""
    ends = window_ends(order)
    if ends is None:
        return _("订单送达或完成后才能评价")
    if _as_utc(now or utcnow()) > ends:
        return _("已超过评价期限（送达后 %(n)d 天内可以评价）", n=current_app.config["REVIEW_WINDOW_DAYS"])
    return None


def _stars(raw, field: str) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ReviewError(_("请为每一项打 1 到 5 星"), field=field)
    return value


def _text(raw, limit: int, *, field: str, required: bool = False) -> str:
    """Free text: control characters gone, trimmed, refused (not cut) when too long or missing."""
    text = strip_controls(str(raw or "")).strip()
    if required and not text:
        raise ReviewError(_("请填写内容"), field=field)
    if len(text) > limit:
        raise ReviewError(_("内容太长：最多 %(n)d 个字", n=limit), field=field)
    return text


def _lock_line(line_id: int) -> None:
    """Serialise reviews of one line: a no-op UPDATE takes the row lock on PostgreSQL and the write
    lock on SQLite, so a second submit waits and then finds the first review."""
    db.session.execute(sa.update(OrderLine).where(OrderLine.id == line_id).values(quantity=OrderLine.quantity)
                       .execution_options(synchronize_session=False))


def buyer_line(order_id: int, line_id: int, buyer) -> tuple[Order, OrderLine]:
    """The buyer's own order line, or a 404 refusal (someone else's order does not exist for him)."""
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_id != order_id or line.order.buyer_id != getattr(buyer, "id", None):
        raise ReviewError(_("找不到这个订单商品"), status=404, code="not_found")
    return line.order, line


def submit_review(order_id: int, line_id: int, buyer, *, ratings: dict, text: str = "", uploads=()) -> Review:
    """The buyer reviews one line of his delivered (or completed) order, within REVIEW_WINDOW_DAYS:
    three ratings 1-5, a text, photos. Refused, with nothing saved: someone else's line (404), an
    order not yet delivered, past the window, a second review of the line, a bad rating or photo."""
    order, line = buyer_line(order_id, line_id, buyer)
    stars = {name: _stars(ratings.get(name), name) for name in DIMENSIONS}
    text = _text(text, current_app.config["REVIEW_TEXT_MAX"], field="text")
    images = photos.read_all(uploads)  # judged before anything is written
    try:
        with atomic():
            _lock_line(line.id)
            if db.session.scalar(sa.select(Review.id).where(Review.order_line_id == line.id)) is not None:
                raise ReviewError(_("这件商品已经评价过了"), status=409, code="already_reviewed")
            db.session.refresh(order)
            problem = refusal(order)
            if problem:
                raise ReviewError(problem, status=409, code="not_reviewable")
            review = Review(order_line_id=line.id, order_id=order.id, product_id=line.product_id, shop_id=order.shop_id,
                            buyer_id=buyer.id, product_title=line.product_title, variant_name=line.variant_name,
                            text=text, **stars)
            db.session.add(review)
            db.session.flush()
            photos.attach(review, images)
            totals.apply(review, 1)
            notify.new_review(review, order)
    except IntegrityError:  # the other of two submits at once won the unique line
        raise ReviewError(_("这件商品已经评价过了"), status=409, code="already_reviewed") from None
    return review


def _shop_member(user, shop_id: int) -> bool:
    """The shop's owner or staff by their own grant scoped to the shop (an admin's pass does not
    make him the shop's voice)."""
    from marketplace.shops.models import SHOP_ROLES

    return any(getattr(user, "grant", None) and user.grant(role, ("shop", shop_id)) for role in SHOP_ROLES)


def reply(review: Review, user, text: str) -> Review:
    """The shop answers a review in public, once. The answer may be corrected for
    REVIEW_REPLY_EDIT_MINUTES after it was first posted, then it stands as the buyer was told it."""
    if not _shop_member(user, review.shop_id) or review.hidden_at is not None:
        raise ReviewError(_("找不到这条评价"), status=404, code="not_found")
    text = _text(text, current_app.config["REVIEW_TEXT_MAX"], field="reply", required=True)
    now = utcnow()
    with atomic():
        first = db.session.execute(
            sa.update(Review).where(Review.id == review.id, Review.reply_text.is_(None))
            .values(reply_text=text, reply_by_id=user.id, replied_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if first:
            db.session.refresh(review)
            notify.replied(review)
            return review
        cutoff = now - dt.timedelta(minutes=current_app.config["REVIEW_REPLY_EDIT_MINUTES"])
        edited = db.session.execute(
            sa.update(Review).where(Review.id == review.id, Review.replied_at >= cutoff)
            .values(reply_text=text, reply_edited_at=now).execution_options(synchronize_session=False)).rowcount
        if not edited:
            raise ReviewError(_("店铺已经回复过这条评价；回复发出 %(n)d 分钟后不能再修改",
                                n=current_app.config["REVIEW_REPLY_EDIT_MINUTES"]), status=409, code="already_replied")
    db.session.refresh(review)
    return review


def report(review: Review, user, *, reason: str, text: str = "") -> ReviewReport:
    """Someone signed in reports a visible review, once; the reviewer cannot report his own."""
    if review.hidden_at is not None:
        raise ReviewError(_("找不到这条评价"), status=404, code="not_found")
    if review.buyer_id == user.id:
        raise ReviewError(_("不能举报自己的评价"), status=409, code="own_review")
    if reason not in REPORT_REASONS:
        raise ReviewError(_("请选择举报原因"), field="reason")
    text = _text(text, 500, field="text")
    try:
        with atomic():
            if db.session.scalar(sa.select(ReviewReport.id).where(ReviewReport.review_id == review.id,
                                                                  ReviewReport.reporter_id == user.id)) is not None:
                raise ReviewError(_("您已举报过这条评价，平台正在处理"), status=409, code="already_reported")
            found = ReviewReport(review_id=review.id, reporter_id=user.id, reason=reason, text=text)
            db.session.add(found)
            db.session.execute(sa.update(Review).where(Review.id == review.id)
                               .values(report_count=Review.report_count + 1)
                               .execution_options(synchronize_session=False))
    except IntegrityError:
        raise ReviewError(_("您已举报过这条评价，平台正在处理"), status=409, code="already_reported") from None
    return found


def hide(review: Review, admin, reason: str) -> Review:
    """The platform hides a review with a reason: off the public pages and out of the totals, once;
    its author is told why (notification centre)."""
    from marketplace.admin.services import record_audit

    reason = _text(reason, 300, field="reason", required=True)
    with atomic():
        hidden = db.session.execute(
            sa.update(Review).where(Review.id == review.id, Review.hidden_at.is_(None))
            .values(hidden_at=utcnow(), hidden_reason=reason, hidden_by_id=admin.id)
            .execution_options(synchronize_session=False)).rowcount
        if not hidden:
            raise ReviewError(_("这条评价已经隐藏了"), status=409, code="already_hidden")
        db.session.refresh(review)
        totals.apply(review, -1)
        record_audit(admin, "review.hide", "review", review.id, note=reason)
        notify.hidden(review)
    return review


def reply_edit_minutes() -> int:
    return current_app.config["REVIEW_REPLY_EDIT_MINUTES"]


def reply_editable(review: Review, *, now: dt.datetime | None = None) -> bool:
    """Whether the shop may still correct its reply."""
    if review.replied_at is None:
        return False
    cutoff = _as_utc(now or utcnow()) - dt.timedelta(minutes=reply_edit_minutes())
    return _as_utc(review.replied_at) >= cutoff
