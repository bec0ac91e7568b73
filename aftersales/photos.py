"""Photos of an after-sales request: judged by content before anything is saved, re-encoded (no
EXIF or GPS survives), stored privately and served only to the buyer, the shop's members and admins."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from aftersales.errors import AfterSaleError
from aftersales.models import AfterSale, AfterSalePhoto
from marketplace.extensions import db
from marketplace.media import ingest_image, read_images

PREFIX = "private/aftersales"
SIZES = (320, 1600)


def read_all(uploads, *, already: int = 0) -> list[bytes]:
    """The uploaded files' bytes, each checked to be an image; refuses too many, too big, or not an
    image, naming the file."""
    files = [f for f in (uploads or ()) if getattr(f, "filename", "")]
    limit = current_app.config["AFTERSALES_MAX_PHOTOS"]
    if already + len(files) > limit:
        raise AfterSaleError(_("最多上传 %(n)d 张照片", n=limit), field="photos")
    return read_images(files, max_bytes=current_app.config["AFTERSALES_PHOTO_MAX_BYTES"], error=AfterSaleError, field="photos")


def attach(request: AfterSale, photos: list[bytes], user) -> None:
    """Store checked photos and link them to ``request`` (in the caller's transaction)."""
    for data in photos:
        stored = ingest_image(data, prefix=PREFIX, sizes=SIZES)
        db.session.add(AfterSalePhoto(after_sale_id=request.id, key=stored.key(SIZES[-1]), thumb_key=stored.key(SIZES[0]),
                                      uploaded_by_id=user.id))
