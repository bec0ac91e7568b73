"""Uploaded media: checking and normalising images, the PDF validator (the stores are in
marketplace.storage; storing an upload and making its sizes in marketplace.media.derivatives).

Images are judged by their content (never their name), size-limited, refused when they would
decompress into a bomb, turned upright from EXIF, stripped of every piece of metadata by being
re-encoded, and stored under content-hashed names. Keys starting with ``public/`` are served by
``/media/<key>``; ``private/`` keys (business licences) only through views that check permission.
"""

from __future__ import annotations

import io
import warnings

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.errors import DomainError
from marketplace.storage import get_storage

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
PDF_MAGIC = b"%PDF-"
#: PDF names of active content: a document carrying any of them is refused.
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/Launch", b"/RichMedia", b"/XFA")


class MediaError(DomainError):
    """An upload was refused; the message is user-facing and says why."""

    status = 422
    code = "invalid_upload"


def read_upload(file_storage, max_bytes: int) -> bytes:
    """Read an uploaded file, refusing it past max_bytes without reading it all."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise MediaError(_("请选择要上传的文件"))
    data = file_storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise MediaError(_("文件太大：不能超过 %(mb)s MB", mb=max_bytes // (1024 * 1024)))
    if not data:
        raise MediaError(_("文件是空的"))
    return data


def read_images(uploads, *, max_bytes: int, error: type[DomainError], field: str) -> list[bytes]:
    """The bytes of the uploaded files, each within ``max_bytes`` and an image by its content; the
    first that is not is refused as ``error`` on ``field``, naming the file. Nothing is stored yet."""
    found = []
    for upload in uploads:
        try:
            data = read_upload(upload, max_bytes)
            open_image(data, current_app.config["UPLOAD_IMAGE_MAX_PIXELS"])
        except MediaError as exc:
            raise error(_("%(file)s：%(problem)s", file=upload.filename[:60], problem=str(exc)),
                        field=field) from None
        found.append(data)
    return found


def check_pdf(data: bytes) -> None:
    """The one PDF validator: judged by content (the magic number and an end-of-file marker) and
    refused when it carries scripts, launch actions or embedded files."""
    if not data.startswith(PDF_MAGIC):
        raise MediaError(_("不是 PDF 文件：请上传 PDF 格式的资料"))
    if b"%%EOF" not in data[-2048:]:
        raise MediaError(_("PDF 文件已损坏或不完整"))
    if any(token in data for token in _PDF_ACTIVE):
        raise MediaError(_("PDF 文件含有脚本或附件，不能上传"))


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open bytes as an image, by content, refusing other formats and decompression bombs."""
    previous = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = max_pixels
            try:
                img = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
                if img.width * img.height > max_pixels:
                    raise MediaError(_("图片尺寸过大"))
                img.load()  # decodes now: truncated or corrupt files fail here
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise MediaError(_("图片尺寸过大")) from None
            except UnidentifiedImageError:
                raise MediaError(_("不是支持的图片：请上传 JPEG、PNG 或 WebP 格式")) from None
            except (OSError, SyntaxError, ValueError):
                raise MediaError(_("图片文件已损坏或不完整")) from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    return img


def encode_webp(img: Image.Image, quality: int = 82, method: int = 4) -> bytes:
    out = io.BytesIO()
    img.save(out, format="WEBP", quality=quality, method=method)
    return out.getvalue()


def normalise(data: bytes) -> Image.Image:
    """An upload as a fresh upright RGB(A) image that holds pixels only: no EXIF, GPS, ICC text or
    comments survive (refused as ``MediaError`` when it is no acceptable image)."""
    img = open_image(data, current_app.config["UPLOAD_IMAGE_MAX_PIXELS"])
    img = ImageOps.exif_transpose(img)
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("LA", "PA") else "RGB")
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    return clean


def size_key(base: str, size: int) -> str:
    """The key of one derivative of the image stored under ``base`` (0: the full image)."""
    return f"{base}-{size or 'full'}.webp"


def make_sizes(clean: Image.Image, base: str, sizes, *, skip_existing: bool = False) -> list[str]:
    """Store each derivative of ``clean``, at most ``size`` pixels on its longer side (never
    upscaled); with ``skip_existing`` the ones already stored are left alone. The keys written."""
    storage = get_storage()
    written = []
    encoded: dict[tuple[int, int], bytes] = {}  # a small image is the same at 800 and 1600: encoded once
    for size in sizes:
        key = size_key(base, size)
        if skip_existing and storage.exists(key):
            continue
        variant = clean.copy()
        if size:
            variant.thumbnail((size, size), Image.Resampling.LANCZOS)
        if variant.size not in encoded:
            encoded[variant.size] = encode_webp(variant)
        written.append(storage.save(key, encoded[variant.size]))
    return written
