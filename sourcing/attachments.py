"""Attachments of a request or a quote: images through the image pipeline (judged by content,
re-encoded, no EXIF), PDFs through marketplace.pdf (parsed, limited, no active content). Both are
stored privately and served only to who may see the request (views.files)."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _

from marketplace.extensions import db
from marketplace.media import PDF_MAGIC, MediaError, get_storage, ingest_image, open_image, read_upload
from marketplace.pdf import validate_pdf
from marketplace.text import single_line
from sourcing.errors import SourcingError
from sourcing.models import AttachmentKind, SourcingAttachment

PREFIX = "private/sourcing"
SIZES = (320, 1600)


def read_all(uploads, *, already: int = 0) -> list[tuple[AttachmentKind, bytes, str]]:
    """The uploaded files, each judged by its content (a PDF by its bytes, never by its name);
    refuses too many, too big, or neither an image nor a clean PDF, naming the file."""
    files = [f for f in (uploads or ()) if getattr(f, "filename", "")]
    config = current_app.config
    if already + len(files) > config["SOURCING_MAX_ATTACHMENTS"]:
        raise SourcingError(_("最多上传 %(n)d 个附件", n=config["SOURCING_MAX_ATTACHMENTS"]), field="attachments")
    found = []
    for upload in files:
        name = single_line(upload.filename, 120)
        try:
            data = read_upload(upload, config["SOURCING_FILE_MAX_BYTES"])
            if data.startswith(PDF_MAGIC) or name.lower().endswith(".pdf"):
                validate_pdf(data, max_bytes=config["SOURCING_FILE_MAX_BYTES"], max_pages=config["SOURCING_PDF_MAX_PAGES"])
                found.append((AttachmentKind.PDF, data, name))
            else:
                open_image(data, config["UPLOAD_IMAGE_MAX_PIXELS"])
                found.append((AttachmentKind.IMAGE, data, name))
        except MediaError as exc:
            raise SourcingError(_("%(file)s：%(problem)s", file=name[:60], problem=str(exc)), field="attachments") from None
    return found


def attach(request_id: int, files, user, *, quote_id: int | None = None) -> None:
    """Store checked files and link them (in the caller's transaction)."""
    for kind, data, name in files:
        if kind == AttachmentKind.IMAGE:
            stored = ingest_image(data, prefix=PREFIX, sizes=SIZES)
            key, thumb = stored.key(SIZES[-1]), stored.key(SIZES[0])
        else:
            digest = hashlib.sha256(data).hexdigest()[:32]
            key = get_storage().save(f"{PREFIX}/{digest[:2]}/{digest}.pdf", data)
            thumb = ""
        db.session.add(SourcingAttachment(request_id=request_id, quote_id=quote_id, kind=kind, key=key, thumb_key=thumb,
                                          filename=name, size=len(data), uploaded_by_id=user.id))
