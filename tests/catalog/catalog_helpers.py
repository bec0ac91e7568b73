"""Helpers for the catalogue tests (plain functions, importable from test modules)."""

from __future__ import annotations

import io


def variant_row(name="5kg 箱装", unit="箱", price=1200, stock=100, moq=1, step=1, tiers=((10, 1100), (100, 950)),
                **extra):
    return {"name": name, "unit": unit, "price_cents": price, "stock": stock, "moq": moq, "step": step,
            "tiers": list(tiers), **extra}


def png_bytes(width=64, height=48, colour=(200, 30, 30), fmt="PNG") -> bytes:
    from PIL import Image

    img = Image.new("RGB", (width, height), colour)
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height but carries no pixel data (a decompression-bomb probe)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def jpeg_with_exif(width=60, height=40, orientation=6) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (width, height), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()
