"""Storing an upload and making its sizes: the request keeps the original, a job makes the rest.

``ingest_image`` (in the upload's request) checks and normalises the image (marketplace.media.images),
stores the original as ``{base}-full.webp``, records it in ``media_images`` and enqueues the job
``media.derivatives``, which makes every size once the upload's transaction has committed: in this
process after the request when there is no queue (embedded), on a worker with ``JOBS_BACKEND=rq``.
The keys of the sizes are known at once (they are named after the content), so the domains store
them as before; until the job has run they resolve to the original (marketplace.media.pending).

The job is idempotent (a size already stored is left alone; the same image uploaded again is one
row and one set of files), retried with backoff by the job registry, and fails visibly (the failed
jobs of /admin/jobs, ``flask jobs list``) when the original is missing. A job lost entirely (its
worker died with it, Redis lost the push) is caught by ``media.sweep_pending`` (every 10 minutes). An image without a row
(stored before this pipeline, or by ``defer=False``) has its sizes already.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.jobs import dispatch, enqueue
from marketplace.jobs.models import JobFailure
from marketplace.media.images import encode_webp, make_sizes, normalise, open_image, size_key
from marketplace.media.models import MediaImage
from marketplace.storage import get_storage

log = logging.getLogger(__name__)

JOB = "media.derivatives"


@dataclass
class StoredImage:
    """An ingested image: the key of each derivative by its longest side (0 = the full image)."""

    width: int
    height: int
    digest: str
    variants: dict[int, str] = field(default_factory=dict)

    def key(self, size: int = 0) -> str:
        if size in self.variants:
            return self.variants[size]
        # the smallest variant at least as large as asked, else the largest
        larger = sorted(s for s in self.variants if s >= size and s != 0)
        return self.variants[larger[0]] if larger else self.variants[max(self.variants)]


def ingest_image(data: bytes, *, prefix: str, sizes: tuple[int, ...] = (320, 800, 1600),
                 keep_full: bool = False, defer: bool = True) -> StoredImage:
    """Validate, normalise and store an image; its WebP sizes are made by the job ``media.derivatives``.

    ``prefix`` is the storage folder, e.g. ``public/products`` or ``private/licences``. Each size is
    at most ``size`` pixels on its longer side (never upscaled). The re-encoded original is always
    stored (``{base}-full.webp``); ``keep_full`` lists it as variant 0 (licences: legible scans).
    ``defer=False`` makes the sizes here and now. Refusals raise ``MediaError``; nothing is stored.
    """
    clean = normalise(data)
    digest = hashlib.sha256(clean.tobytes()).hexdigest()[:32]
    base = f"{prefix}/{digest[:2]}/{digest}"
    targets = tuple(s for s in sizes if s)
    stored = StoredImage(width=clean.width, height=clean.height, digest=digest,
                         variants={s: size_key(base, s) for s in (*targets, *((0,) if keep_full else ()))})
    # method 0: a full-size WebP in a third of the time; the sizes get the careful encoding
    get_storage().save(size_key(base, 0), encode_webp(clean, method=0))
    if not targets:
        return stored
    if not defer:
        make_sizes(clean, base, targets, skip_existing=True)
        return stored
    _record(base, targets, clean.width, clean.height)
    return stored


def _record(base: str, sizes: tuple[int, ...], width: int, height: int) -> None:
    """Record the original (in the caller's transaction) and enqueue its job after the commit.
    The same image uploaded again: one row, and a new job only when a size is missing."""
    row = db.session.scalar(sa.select(MediaImage).where(MediaImage.base == base))
    if row is None:
        row = MediaImage(base=base, sizes=list(sizes), width=width, height=height)
        db.session.add(row)
    else:
        missing = sorted(set(sizes) - set(row.sizes or ()))
        if missing:
            row.sizes = sorted(set(row.sizes or ()) | set(sizes))
        elif row.ready_at is not None and all(get_storage().exists(size_key(base, s)) for s in sizes):
            return
        row.ready_at = None
    db.session.flush()
    enqueue(JOB, base=base)


def make_derivatives(base: str) -> list[str]:
    """The job: make every size of the image recorded under ``base`` that is not stored yet, then
    mark it ready. The keys written (none on a second run). A row that is gone (the image was
    deleted) is nothing to do; an original that is gone is an error (the job fails visibly)."""
    row = db.session.scalar(sa.select(MediaImage).where(MediaImage.base == base))
    if row is None:
        log.info("media: %s was deleted before its sizes were made", base)
        return []
    original = get_storage().open(size_key(base, 0))  # FileNotFoundError: fails, retried, then listed
    clean = open_image(original, current_app.config["UPLOAD_IMAGE_MAX_PIXELS"])
    written = make_sizes(clean, base, tuple(row.sizes), skip_existing=True)
    if row.ready_at is None:
        with atomic():
            row.ready_at = utcnow()
    return written


#: An image still waiting for its sizes this long after its upload lost its job (a worker that died
#: with it, a push Redis did not keep): the sweep enqueues it again. Well past a busy queue's delay.
SWEEP_AFTER = dt.timedelta(minutes=30)
#: ... but not when older than this: an image whose job keeps failing is not retried for ever.
SWEEP_WITHIN = dt.timedelta(days=2)
#: Images enqueued again by one run of the sweep, at most (the oldest first).
SWEEP_BATCH = 200
SWEEP_JOB = "media.sweep_pending"


def sweep_pending() -> int:
    """The periodic job: enqueue ``JOB`` again for every image whose sizes are still not made
    ``SWEEP_AFTER`` after its upload (and not ``SWEEP_WITHIN`` ago), unless a failure of its job is
    kept for an admin at /admin/jobs (run again or discarded there). Idempotent: the job makes
    only the sizes that are missing. Returns how many were enqueued."""
    now = utcnow()
    bases = list(db.session.scalars(
        sa.select(MediaImage.base).where(MediaImage.ready_at.is_(None), MediaImage.created_at <= now - SWEEP_AFTER,
                                         MediaImage.created_at > now - SWEEP_WITHIN)
        .order_by(MediaImage.created_at, MediaImage.id).limit(SWEEP_BATCH)))
    if not bases:
        return 0
    kept = {row.get("base") for row in db.session.scalars(
        sa.select(JobFailure.kwargs).where(JobFailure.name == JOB, JobFailure.resolved_at.is_(None)))
        if isinstance(row, dict)}
    again = [base for base in bases if base not in kept]
    db.session.commit()  # only read: end it, so that each job below runs on its own (in this process, or the queue's)
    for base in again:
        dispatch(JOB, base=base)
    if again:
        log.warning("media: %d image(s) still without their sizes after %s: their job enqueued again",
                    len(again), SWEEP_AFTER)
    return len(again)


def discard(keys) -> None:
    """Delete the files of the images these keys belong to (every size and the original) and their
    rows: for a domain that removes a photo no other row uses."""
    storage = get_storage()
    bases = set()
    for key in keys:
        if not key:
            continue
        storage.delete(key)
        head, sep, _tail = key.rpartition("-")
        if sep and key.endswith(".webp"):
            bases.add(head)
    for base in sorted(bases):
        row = db.session.scalar(sa.select(MediaImage).where(MediaImage.base == base))
        for size in (0, *(row.sizes if row else ())):
            storage.delete(size_key(base, size))
        if row is not None:
            with atomic():
                db.session.delete(row)
