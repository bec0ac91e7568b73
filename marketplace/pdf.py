"""The PDF validator with a real parser: a document is read with pypdf, limited in bytes and pages,
and refused when it carries JavaScript, launch or other actions, embedded files, XFA forms or
rich media. It starts with the byte-level check every PDF upload already passes
(marketplace.media.check_pdf), so nothing that check refuses gets through here.

    from marketplace.pdf import validate_pdf
    pages = validate_pdf(data, max_bytes=10 * 1024 * 1024, max_pages=50)   # MediaError when refused

Files that pass are stored privately and served with ``pdf_headers`` (a download, never rendered
inline by the browser as the site's own page)."""

from __future__ import annotations

import io
import logging

from flask_babel import gettext as _

from marketplace.media import MediaError, check_pdf

log = logging.getLogger(__name__)

#: Names whose presence anywhere in the object tree refuses the document.
_FORBIDDEN_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/XFA",
                             "/RichMedia", "/OpenAction", "/AA", "/SubmitForm", "/ImportData", "/GoToR",
                             "/GoToE"})
#: Action types refused wherever they appear (/S of an action dictionary).
_FORBIDDEN_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
                                "/RichMediaExecute", "/Rendition", "/Sound", "/Movie"})
#: At most this many objects are visited (a hostile file cannot make the walk endless).
_MAX_OBJECTS = 20000


def pdf_headers(filename: str = "document.pdf") -> dict[str, str]:
    """Headers for serving a stored PDF: a download (its name in ASCII, and in UTF-8 for browsers
    that read it), its type fixed, never cached."""
    from urllib.parse import quote

    name = "".join(c for c in filename if c.isprintable() and c not in '"\\/;') or "document.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    ascii_name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-"))
    if ascii_name.lower() in ("", ".pdf"):
        ascii_name = "document.pdf"
    return {"Content-Type": "application/pdf",
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store, max-age=0"}


def _walk(root, budget: list[int]) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            budget[0] -= 1
            if budget[0] < 0:
                raise MediaError(_("PDF 文件结构过于复杂，不能上传"))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            keys = set(node.keys())
            if keys & _FORBIDDEN_KEYS or str(node.get("/S", "")) in _FORBIDDEN_ACTIONS:
                raise MediaError(_("PDF 文件含有脚本或附件，不能上传"))
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def validate_pdf(data: bytes, *, max_bytes: int, max_pages: int) -> int:
    """Check ``data`` is a clean PDF within the limits; returns its number of pages. Raises
    MediaError (a message for the user) otherwise."""
    if len(data) > max_bytes:
        raise MediaError(_("文件太大：不能超过 %(mb)s MB", mb=max_bytes // (1024 * 1024)))
    check_pdf(data)
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise MediaError(_("PDF 文件已加密，请上传未加密的文件"))
        pages = len(reader.pages)
        if pages < 1:
            raise MediaError(_("PDF 文件已损坏或不完整"))
        if pages > max_pages:
            raise MediaError(_("PDF 文件页数太多：最多 %(n)d 页", n=max_pages))
        _walk(reader.trailer, [_MAX_OBJECTS])
    except MediaError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        log.info("pdf refused: %s", exc)
        raise MediaError(_("PDF 文件已损坏或不完整")) from None
    return pages
