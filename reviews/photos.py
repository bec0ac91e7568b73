"""A review's photos: judged by content before anything is saved (marketplace.media.read_images),
re-encoded without metadata, public like the review they belong to."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from marketplace.extensions import db
from marketplace.media import ingest_image, read_images
from reviews.errors import ReviewError
from reviews.models import Review, ReviewPhoto

PREFIX = "public/reviews"
SIZES = (320, 1600)


def read_all(uploads) -> list[bytes]:
    """The uploaded files' bytes, each an image by content; too many, too big or not an image is refused."""
    files = [f for f in (uploads or ()) if getattr(f, "filename", "")]
    limit = current_app.config["REVIEW_MAX_PHOTOS"]
    if len(files) > limit:
        raise ReviewError(_("最多上传 %(n)d 张照片", n=limit), field="photos")
    return read_images(files, max_bytes=current_app.config["REVIEW_PHOTO_MAX_BYTES"], error=ReviewError,
                       field="photos")


def attach(review: Review, images: list[bytes]) -> None:
    """Store checked photos and link them to ``review`` (in the caller's transaction)."""
    for data in images:
        stored = ingest_image(data, prefix=PREFIX, sizes=SIZES)
        db.session.add(ReviewPhoto(review_id=review.id, key=stored.key(SIZES[-1]), thumb_key=stored.key(SIZES[0]),
                                   width=stored.width, height=stored.height))
