"""Images whose sizes are still being made, and what to serve for them meanwhile.

An upload stores its normalised original (``{base}-full.webp``) at once and a job makes the sizes
(marketplace.media.derivatives). Until the job has run, a key of a size that is not there yet
resolves to the original: pages link it (``media_url``), /media/ and the private views send it, and
the browser scales it into the ``width``/``height`` box of the ``<img>``. Never a broken image.

Which images are pending is one small cached list (group ``media``, bumped by every change to
``media_images`` and read again at once by the process that committed it), read once per request.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context, request

from marketplace.cache import cached
from marketplace.extensions import db
from marketplace.media.models import MediaImage
from marketplace.storage import read_or_404

log = logging.getLogger(__name__)

GROUP = "media"
_ENVIRON = "marketplace.media_pending"
#: request.environ key set when a page linked an original in place of a size: the page cache
#: (marketplace.page_cache) does not keep that page, so the sizes show once they are made.
FALLBACK = "marketplace.media_fallback"
_SIZE = re.compile(r"^(?P<base>.+)-(?P<size>\d+)\.webp$")


def _load() -> list[str]:
    return sorted(db.session.scalars(sa.select(MediaImage.base).where(MediaImage.ready_at.is_(None))))


def pending_bases() -> frozenset[str]:
    """The bases of the images whose sizes are not made yet (once per request)."""
    if not has_app_context():
        return frozenset()
    if has_request_context() and _ENVIRON in request.environ:
        return request.environ[_ENVIRON]
    try:
        found = frozenset(cached(GROUP, "pending", _load))
    except sa.exc.SQLAlchemyError:  # a page must render even when this list cannot be read
        db.session.rollback()
        found = frozenset()
    if has_request_context():
        request.environ[_ENVIRON] = found
    return found


def warm() -> None:
    """After a commit that changed ``media_images`` (the cache's ``on_bump``): read the pending list
    into the cache now, so the next page does not pay a query for it. In a fresh app context: the
    committing session can run no more SQL."""
    app = current_app._get_current_object()
    try:
        with app.app_context():
            cached(GROUP, "pending", _load)
    except Exception:  # noqa: BLE001 - the commit stands; the next page reads the list itself
        log.warning("media: could not read the pending list ahead", exc_info=True)


def resolve(key: str | None) -> str | None:
    """The key to serve for ``key``: the original while the sizes of its image are being made."""
    if not key:
        return key
    pending = pending_bases()
    if not pending:
        return key
    match = _SIZE.match(key)
    if match and match["base"] in pending:
        if has_request_context():
            request.environ[FALLBACK] = True
        return f"{match['base']}-full.webp"
    return key


def private_image(key: str):
    """The response for a private image whose view has checked who may see it: never cached, never
    sniffed; 503 when the storage is unreachable (the page around it still works)."""
    data = read_or_404(resolve(key))
    return data, 200, {"Content-Type": "image/webp", "Cache-Control": "private, no-store, max-age=0",
                       "X-Content-Type-Options": "nosniff"}
