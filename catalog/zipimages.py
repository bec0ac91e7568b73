"""Images for a CSV import, read from an uploaded zip with guards against zip bombs and zip slip."""

from __future__ import annotations

import contextlib
import io
import posixpath
import zipfile

from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError

MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100  # a photo never compresses 100:1; a bomb does


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
