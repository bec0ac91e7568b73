"""Helpers of the investment tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import io

from PIL import Image

from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel


def county(name: str) -> Region:
    return db.session.scalar(db.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY))


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(extra: bytes = b"") -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] "
            b"/Count 0 >> endobj\n" + extra + b"trailer << /Root 1 0 R >>\n%%EOF\n")
