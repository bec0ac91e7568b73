"""The shop's reviews with its reply form, and the platform's list of reported reviews."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.policy import admin_required
from marketplace.shops.policy import merchant_required
from reviews import bp, queries, services, totals
from reviews.views.common import review_or_404, run_action


@bp.get("/merchant/reviews")
@merchant_required
def merchant_reviews(shop):
    return render_template("reviews/merchant.html", shop=shop, page=queries.for_shop(shop.id),
                           review_totals=totals.of("shop", shop.id), edit_minutes=services.reply_edit_minutes())


@bp.post("/reviews/<int:review_id>/reply")
@login_required
def reply_review(review_id: int):
    review = review_or_404(review_id)
    return run_action(lambda: services.reply(review, current_user, request.form.get("reply", "")),
                      _("回复已发布"), url_for("reviews.merchant_reviews") + f"#review-{review.id}")


@bp.get("/admin/reviews")
@admin_required
def admin_reviews():
    hidden = request.args.get("show") == "hidden"
    return render_template("reviews/admin.html", page=queries.reported(hidden=hidden), hidden=hidden,
                           reasons=services.REPORT_REASONS)


@bp.post("/admin/reviews/<int:review_id>/hide")
@admin_required
def hide_review(review_id: int):
    review = review_or_404(review_id)
    return run_action(lambda: services.hide(review, current_user, request.form.get("reason", "")),
                      _("评价已隐藏，评价人已收到通知"), url_for("reviews.admin_reviews"))
