"""Helpers for the shop tests: real images made with Pillow, hostile files, valid licence numbers."""

from __future__ import annotations

import io
import os
import struct
import zlib

import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.validation import uscc_check_char


def uscc(body17: str = "91411424MA45ABCD1") -> str:
    """A unified social credit code with a correct check character."""
    return body17 + uscc_check_char(body17)


def png_bytes(width: int = 64, height: int = 48, color=(200, 30, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(width: int = 120, height: int = 90, color=(20, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=90)
    return out.getvalue()


def noisy_png(width: int = 200, height: int = 200) -> bytes:
    """A PNG that does not compress (random pixels): big in bytes for its size."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A few dozen bytes whose header claims width x height pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


HTML_AS_PNG = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')


def upload(data: bytes, filename: str = "licence.png", content_type: str = "image/png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def region_id(name: str) -> int:
    return db.session.scalar(sa.select(Region.id).where(Region.name == name))


def shop_data(**overrides) -> dict:
    """A valid application (the caller's app must have the regions loaded)."""
    data = {
        "name": "起台镇红辣椒合作社",
        "shop_type": "cooperative",
        "market_name": "",
        "stall_number": "",
        "region_id": region_id("起台镇"),
        "address": "起台镇北街村 18 号",
        "phone": "138 3700 1234",
        "licence_number": uscc(),
        "description": "柘城三樱椒，产地直供。",
    }
    data.update(overrides)
    return data


def form_payload(data: dict, licence: bytes | None = None, logo: bytes | None = None,
                 licence_name: str = "licence.png", licence_type: str = "image/png") -> dict:
    """A multipart body for the test client."""
    payload = {k: ("" if v is None else str(v)) for k, v in data.items()}
    if licence is not None:
        payload["licence_image"] = (io.BytesIO(licence), licence_name, licence_type)
    if logo is not None:
        payload["logo"] = (io.BytesIO(logo), "logo.png", "image/png")
    return payload


def media_files(app) -> list[str]:
    root = app.config["MEDIA_DIR"]
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, f) for f in files)
    return found
