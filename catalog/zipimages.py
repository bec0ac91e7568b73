"""Images for a CSV import, read from an uploaded zip with guards against zip bombs and zip slip,
and a budget for the decoding work one import may cause.

Decoding is what costs: a 12-megapixel photo takes ~0.1 s to decode and ~1.3 s to turn into the
three WebP sizes (measured on the development machine), and a single-colour PNG of 6000x6000
pixels is a 120 KB file that decodes into 100 MB. The byte limits below cannot see that, so before
anything is decoded :meth:`ZipImages.plan` reads the width and height of every image the CSV names
from its header (Pillow's ``Image.open`` reads the header only) and refuses the import, with a
message saying what to do, when one image has more than ``UPLOAD_IMAGE_MAX_PIXELS``, or the images
are more than ``CSV_IMPORT_MAX_IMAGES`` or hold more than ``CSV_IMPORT_MAX_PIXELS`` together. The
defaults keep the confirming request (which decodes and encodes every image) well under the
worker's 30 s timeout.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import warnings
import zipfile
from collections.abc import Iterable

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from marketplace.errors import DomainError
from marketplace.media import ACCEPTED_FORMATS

MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100  # a photo never compresses 100:1; a bomb does
#: Images one import may decode, and their pixels together (config CSV_IMPORT_MAX_IMAGES / _PIXELS).
MAX_IMAGES = 100
MAX_TOTAL_PIXELS = 150_000_000
#: size() of an image whose header claims more pixels than Pillow agrees to open at all.
TOO_LARGE = (-1, -1)


class ZipError(DomainError):
    """The zip was refused as a whole; the message is user-facing."""

    code = "invalid_zip"


def _decoded_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: Windows zips carry GBK names read as cp437
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gbk")
    return name


class ZipImages:
    """The image files of an uploaded zip, by name (full path inside the zip, or the bare file name)."""

    def __init__(self, data: bytes, max_file_bytes: int | None = None):
        self.max_file_bytes = max_file_bytes or current_app.config.get("UPLOAD_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ZipError(_("图片压缩包无法打开：请上传 .zip 格式的文件")) from None
        if len(infos) > MAX_ENTRIES:
            raise ZipError(_("压缩包内文件过多（最多 %(n)d 个）", n=MAX_ENTRIES))
        total = 0
        self.entries: dict[str, zipfile.ZipInfo] = {}
        basenames: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            name = _decoded_name(info).replace("\\", "/")
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise ZipError(_("压缩包里有不安全的路径：%(name)s", name=name[:80]))
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise ZipError(_("不支持加密的压缩包"))
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise ZipError(_("压缩包解压后过大（最多 %(mb)d MB）", mb=MAX_TOTAL_BYTES // (1024 * 1024)))
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1024 * 1024:
                raise ZipError(_("压缩包里的 %(name)s 压缩比异常，已拒绝", name=name[:80]))
            clean = posixpath.normpath(name)
            self.entries[clean] = info
            basenames.setdefault(posixpath.basename(clean), []).append(info)
        for base, found in basenames.items():
            if len(found) == 1:
                self.entries.setdefault(base, found[0])

    def __contains__(self, name: str) -> bool:
        return posixpath.normpath(name.strip().replace("\\", "/")) in self.entries

    def size(self, name: str) -> tuple[int, int] | None:
        """(width, height) from the image's header, without decoding its pixels; None when the file
        is not an image of an accepted format (reading it later gives the precise message)."""
        info = self.entries[posixpath.normpath(name.strip().replace("\\", "/"))]
        try:
            with self.zip.open(info) as fh, warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged below, by the budget
                with Image.open(fh, formats=sorted(ACCEPTED_FORMATS)) as img:
                    return img.size
        except Image.DecompressionBombError:  # more than twice Pillow's own limit: too large anyway
            return TOO_LARGE
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, zipfile.BadZipFile, EOFError):
            return None

    def plan(self, names: Iterable[str]) -> dict[str, str]:
        """Check the decoding budget of the images ``names`` refers to (those in the zip), from their
        headers, before any is decoded. Raises ZipError when they are too many or hold too many
        pixels together; returns {name: problem} for single images that are too large (their rows
        get the error; they are never decoded)."""
        cfg = current_app.config
        per_image = int(cfg["UPLOAD_IMAGE_MAX_PIXELS"])
        max_images = int(cfg.get("CSV_IMPORT_MAX_IMAGES", MAX_IMAGES))
        max_total = int(cfg.get("CSV_IMPORT_MAX_PIXELS", MAX_TOTAL_PIXELS))
        wanted: dict[str, zipfile.ZipInfo] = {}
        for name in names:
            if name in self:
                wanted.setdefault(name, self.entries[posixpath.normpath(name.strip().replace("\\", "/"))])
        if len(set(map(id, wanted.values()))) > max_images:
            raise ZipError(_("一次导入最多处理 %(max)d 张图片，这个文件用到了 %(n)d 张：请分成几个文件导入",
                             max=max_images, n=len(set(map(id, wanted.values())))))
        problems: dict[str, str] = {}
        total, counted = 0, set()
        for name, info in wanted.items():
            size = self.size(name)
            if size is None:
                continue
            if size == TOO_LARGE:
                problems[name] = _("图片尺寸过大")
                continue
            pixels = size[0] * size[1]
            if pixels > per_image:
                problems[name] = _("图片尺寸过大：%(w)d×%(h)d 像素，单张最多 %(max)s 像素",
                                   w=size[0], h=size[1], max=format_decimal(per_image))
                continue
            if id(info) not in counted:
                counted.add(id(info))
                total += pixels
            if total > max_total:
                raise ZipError(_("这些图片的像素总数超过了一次导入的上限（%(max)s 像素）：请把图片缩小"
                                 "（例如长边 2000 像素）或分成几个文件导入", max=format_decimal(max_total)))
        return problems

    def read(self, name: str) -> bytes:
        """The file's bytes, read with a hard limit whatever the header claims."""
        info = self.entries[posixpath.normpath(name.strip().replace("\\", "/"))]
        if info.file_size > self.max_file_bytes:
            raise ZipError(_("图片 %(name)s 太大", name=name[:80]))
        with self.zip.open(info) as fh:
            data = fh.read(self.max_file_bytes + 1)
        if len(data) > self.max_file_bytes:
            raise ZipError(_("图片 %(name)s 太大", name=name[:80]))
        return data
