"""Small helpers shared by the review pages."""

from __future__ import annotations

from flask import abort, flash, redirect

from marketplace.extensions import db
from reviews.errors import ReviewError
from reviews.models import Review


def review_or_404(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    return review


def run_action(action, done: str, back: str):
    """Do ``action``; a refusal comes back as a flashed message (404s stay 404s)."""
    try:
        action()
    except ReviewError as exc:
        if exc.status == 404:
            abort(404)
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(back)

