"""Uploaded media: the image pipeline (checked, normalised, stored; sizes made by a job), the PDF
validator, and what to serve while an image's sizes are being made. The stores are in
marketplace.storage."""

from __future__ import annotations

from flask import Flask

from marketplace.media.derivatives import (
    JOB,
    SWEEP_JOB,
    StoredImage,
    discard,
    ingest_image,
    make_derivatives,
    sweep_pending,
)
from marketplace.media.images import (
    ACCEPTED_FORMATS,
    PDF_MAGIC,
    MediaError,
    check_pdf,
    open_image,
    read_images,
    read_upload,
)
from marketplace.media.pending import private_image, resolve
from marketplace.storage import FileSystemStorage, Storage, StorageUnavailable, get_storage, read_or_404, send

__all__ = ["ACCEPTED_FORMATS", "JOB", "PDF_MAGIC", "FileSystemStorage", "MediaError", "Storage", "StorageUnavailable",
           "StoredImage", "check_pdf", "discard", "get_storage", "ingest_image", "init_app", "make_derivatives",
           "open_image", "private_image", "read_images", "read_or_404", "read_upload", "resolve", "send"]


def init_app(app: Flask) -> None:
    from datetime import timedelta

    from marketplace.cache import on_bump, watch
    from marketplace.domains import register
    from marketplace.jobs import register_job
    from marketplace.media.models import MediaImage
    from marketplace.media.pending import GROUP, warm

    register(app, "media", package=__name__, models=("models",))
    register_job(app, JOB, make_derivatives, retries=3)
    register_job(app, SWEEP_JOB, sweep_pending, every=timedelta(minutes=10))  # a job lost entirely
    watch(GROUP, MediaImage)  # the pending list is read again after any change to it
    on_bump(GROUP, warm)
