"""Test reports of a batch: an image through the image pipeline (judged by content, re-encoded, no
EXIF) or a PDF through the shell's one PDF validator (parsed, size- and page-limited, no scripts or
embedded files); either is stored privately and served only to the shop's own staff."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _

from marketplace.media import PDF_MAGIC, MediaError, get_storage, ingest_image, open_image, read_upload
from marketplace.pdf import validate_pdf
from marketplace.text import single_line
from trace.errors import TraceError
from trace.models import AttachmentKind

PREFIX = "private/trace"
SIZES = (320, 1600)


def read_report(upload, field: str) -> tuple[AttachmentKind, bytes, str] | None:
    """The checked report file of a test row (None when no file was chosen), or a TraceError on
    ``field`` naming the file: too big, or neither an image nor a clean PDF."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    config = current_app.config
    name = single_line(upload.filename, 120)
    try:
        data = read_upload(upload, config["TRACE_FILE_MAX_BYTES"])
        if data.startswith(PDF_MAGIC) or name.lower().endswith(".pdf"):
            validate_pdf(data, max_bytes=config["TRACE_FILE_MAX_BYTES"], max_pages=config["TRACE_PDF_MAX_PAGES"])
            return AttachmentKind.PDF, data, name
        open_image(data, config["UPLOAD_IMAGE_MAX_PIXELS"])
        return AttachmentKind.IMAGE, data, name
    except MediaError as exc:
        raise TraceError(_("%(file)s：%(problem)s", file=name[:60], problem=str(exc)), field=field) from None


def store_report(kind: AttachmentKind, data: bytes) -> str:
    """Store a checked report privately; returns its storage key."""
    if kind == AttachmentKind.IMAGE:
        return ingest_image(data, prefix=PREFIX, sizes=SIZES).key(SIZES[-1])
    digest = hashlib.sha256(data).hexdigest()[:32]
    return get_storage().save(f"{PREFIX}/{digest[:2]}/{digest}.pdf", data)
