"""The buyer's review form for one line of his delivered order, and reporting a review (one report per
user and review; rate-limited like the listing reports, REVIEW_REPORT_RATELIMIT, so one account cannot
report every review of a shop in a minute)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.extensions import db, limiter
from reviews import bp, services
from reviews.errors import ReviewError
from reviews.models import DIMENSIONS, Review
from reviews.views.common import review_or_404, run_action


@bp.route("/orders/<int:order_id>/lines/<int:line_id>/review", methods=["GET", "POST"])
@login_required
def review_line(order_id: int, line_id: int):
    try:
        order, line = services.buyer_line(order_id, line_id, current_user)
    except ReviewError:
        abort(404)
    existing = db.session.scalar(db.select(Review).where(Review.order_line_id == line.id))
    error = None
    if request.method == "POST":
        try:
            review = services.submit_review(order.id, line.id, current_user,
                                            ratings={d: request.form.get(d) for d in DIMENSIONS},
                                            text=request.form.get("text", ""), uploads=request.files.getlist("photos"))
        except ReviewError as exc:
            error = exc
        else:
            flash(_("评价已发布，谢谢！"), "success")
            back = url_for("reviews.product_reviews", product_id=review.product_id) if review.product_id else \
                url_for("orders.order_detail", order_id=order.id)
            return redirect(f"{back}#review-{review.id}")
    refusal = None if existing else services.refusal(order)
    status = 422 if error else 200
    return render_template("reviews/new.html", order=order, line=line, existing=existing, refusal=refusal,
                           error=error, form=request.form, dimensions=DIMENSIONS,
                           window_ends=services.window_ends(order)), status


def _report_limit() -> str:
    return current_app.config["REVIEW_REPORT_RATELIMIT"]


@bp.post("/reviews/<int:review_id>/report")
@limiter.limit(_report_limit)
@login_required
def report_review(review_id: int):
    review = review_or_404(review_id)
    back = (url_for("reviews.product_reviews", product_id=review.product_id) if review.product_id
            else url_for("catalog.categories")) + f"#review-{review.id}"
    return run_action(lambda: services.report(review, current_user, reason=request.form.get("reason", ""),
                                              text=request.form.get("text", "")),
                      _("举报已提交，平台会尽快处理"), back)
