"""Uploaded media: a storage interface and the image pipeline.

Images are judged by their content (never their name), size-limited, refused when they would
decompress into a bomb, turned upright from EXIF, stripped of every piece of metadata by being
re-encoded, and stored under content-hashed names. Keys starting with ``public/`` are served by
``/media/<key>``; ``private/`` keys (business licences) only through views that check permission.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
PDF_MAGIC = b"%PDF-"
#: PDF names of active content: a document carrying any of them is refused.
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/Launch", b"/RichMedia", b"/XFA")


class MediaError(DomainError):
    """An upload was refused; the message is user-facing and says why."""

    status = 422
    code = "invalid_upload"


class FileSystemStorage:
    """Files under one root folder. An S3-compatible store would offer the same four methods."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise MediaError(_("文件路径无效"))
        return path

    def save(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # content-hashed keys: same key, same bytes
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return key

    def open(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except MediaError:
            return False

    def delete(self, key: str) -> None:
        with contextlib.suppress(MediaError):
            self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        return self._path(key)


def get_storage() -> FileSystemStorage:
    ext = current_app.extensions
    if "media_storage" not in ext:
        ext["media_storage"] = FileSystemStorage(current_app.config["MEDIA_DIR"])
    return ext["media_storage"]


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


def private_image(key: str):
    """The response for a private image whose view has checked who may see it: never cached, never
    sniffed; 503 when the storage is unreachable (the page around it still works)."""
    try:
        data = get_storage().open(key)
    except OSError:
        abort(503)
    return data, 200, {"Content-Type": "image/webp", "Cache-Control": "private, no-store, max-age=0",
                       "X-Content-Type-Options": "nosniff"}


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


def _encode_webp(img: Image.Image, quality: int = 82) -> bytes:
    out = io.BytesIO()
    img.save(out, format="WEBP", quality=quality, method=4)
    return out.getvalue()


def ingest_image(data: bytes, *, prefix: str, sizes: tuple[int, ...] = (320, 800, 1600),
                 keep_full: bool = False) -> StoredImage:
    """Validate, normalise and store an image and its WebP derivatives.

    ``prefix`` is the storage folder, e.g. ``public/products`` or ``private/licences``.
    Each derivative is at most ``size`` pixels on its longer side (never upscaled). With
    ``keep_full`` the re-encoded full-size image is stored as variant 0 (licences: legible scans).
    """
    img = open_image(data, current_app.config["UPLOAD_IMAGE_MAX_PIXELS"])
    img = ImageOps.exif_transpose(img)
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("LA", "PA") else "RGB")
    # A fresh image holds pixels only: no EXIF, GPS, ICC text or comments survive.
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    digest = hashlib.sha256(clean.tobytes()).hexdigest()[:32]
    storage = get_storage()
    stored = StoredImage(width=clean.width, height=clean.height, digest=digest)
    targets = list(sizes) + ([0] if keep_full else [])
    encoded: dict[tuple[int, int], bytes] = {}  # a small image is the same at 800 and 1600: encoded once
    for size in targets:
        variant = clean.copy()
        if size:
            variant.thumbnail((size, size), Image.Resampling.LANCZOS)
        key = f"{prefix}/{digest[:2]}/{digest}-{size or 'full'}.webp"
        if variant.size not in encoded:
            encoded[variant.size] = _encode_webp(variant)
        stored.variants[size] = storage.save(key, encoded[variant.size])
    return stored
