"""Photos in a message: judged by content before anything is saved, re-encoded (no EXIF or GPS
survives), stored privately and served only to the conversation's parties (and the admin of a
reported one), as aftersales.photos does for after-sales requests."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from marketplace.extensions import db
from marketplace.media import ingest_image, read_images
from messages.errors import MessageError
from messages.models import Message, MessageImage

PREFIX = "private/messages"
SIZES = (320, 1600)


def read_all(uploads) -> list[bytes]:
    """The uploaded files' bytes, each checked to be an image; refuses too many, too big, or not an
    image, naming the file."""
    files = [f for f in (uploads or ()) if getattr(f, "filename", "")]
    limit = current_app.config["MESSAGES_MAX_IMAGES"]
    if len(files) > limit:
        raise MessageError(_("一条消息最多 %(n)d 张图片", n=limit), field="images")
    return read_images(files, max_bytes=current_app.config["MESSAGES_IMAGE_MAX_BYTES"], error=MessageError, field="images")


def attach(message: Message, photos: list[bytes]) -> None:
    """Store checked photos and link them to ``message`` (in the caller's transaction)."""
    for data in photos:
        stored = ingest_image(data, prefix=PREFIX, sizes=SIZES)
        message.images.append(MessageImage(key=stored.key(SIZES[-1]), thumb_key=stored.key(SIZES[0])))
    db.session.flush()
