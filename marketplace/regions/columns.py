"""A region's column (专栏): who may edit it, and the one verb that saves it.

Who: a village information clerk (``Role.VILLAGE_CLERK`` scoped to ``("region", id)``) edits the
column of the region he is scoped to, and a clerk scoped to a township also edits the columns of its
villages (a township's information point looks after the villages that have no clerk of their own;
a village clerk never edits his township or a neighbour). An agriculture officer (and an admin)
edits every column, the counties' too. Another region's column is a 404 to a clerk (its existence
is not his business); a signed-in user with no such role gets a 403.

What: the specialties in one line and a few paragraphs, each checked (no control characters, a
bounded length), and photos judged by content and re-encoded by the shell (marketplace.media).
Everything is checked before anything is stored: a refused edit changes nothing. Every saved edit
adds a row to the column's history (who, when, what it said).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import Role, holds_role
from marketplace.cache import cached
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.media import ingest_image, read_images
from marketplace.regions.column_models import RegionColumn, RegionColumnChange, RegionPhoto
from marketplace.regions.models import Region, RegionLevel

#: The levels that have a column.
COLUMN_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
SPECIALTIES_MAX = 200
TEXT_MAX = 2000
PHOTO_PREFIX = "public/regions"
PHOTO_SIZES = (320, 1600)
#: C0 controls except tab and line breaks, DEL and the C1 controls: refused in a column.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKS = re.compile(r"[\t\r\n]")


class ColumnError(DomainError):
    """A refused edit of a column (nothing was changed)."""

    code = "invalid_column"


def is_officer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and holds_role(user, Role.AGRICULTURE_OFFICER)


def is_clerk(user) -> bool:
    """Whether ``user`` keeps some region's column (a clerk anywhere, or an officer)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_officer(user) or any(g.role == Role.VILLAGE_CLERK for g in user.roles)


def can_edit(user, region: Region) -> bool:
    """Whether ``user`` may edit ``region``'s column (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False) or region.level not in COLUMN_LEVELS:
        return False
    if is_officer(user):
        return True
    if region.level == RegionLevel.COUNTY:
        return False
    if holds_role(user, Role.VILLAGE_CLERK, ("region", region.id)):
        return True
    return (region.level == RegionLevel.VILLAGE and region.parent_id is not None
            and holds_role(user, Role.VILLAGE_CLERK, ("region", region.parent_id)))


def clerk_regions(user) -> list[Region]:
    """The regions a clerk is scoped to (for his menu link), in code order."""
    ids = [g.scope_id for g in getattr(user, "roles", ()) if g.role == Role.VILLAGE_CLERK and g.scope_type == "region"]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Region).where(Region.id.in_(ids)).order_by(Region.code)))


def column_of(region: Region) -> RegionColumn | None:
    return db.session.scalar(sa.select(RegionColumn).where(RegionColumn.region_id == region.id))


#: The cache group of the columns and photos as region pages show them (bumped by any change to
#: a column or a photo: marketplace.regions.init_app).
GROUP = "region-columns"
#: A clerk's renamed account shows on the pages after this long at most (his name is in the copy).
PAGE_SECONDS = 600


@dataclass(frozen=True)
class ColumnView:
    """A column as a region page shows it (a plain copy, kept in the cache)."""

    specialties: str
    text: str
    updated_at: dt.datetime | None
    updated_by_name: str | None


@dataclass(frozen=True)
class PhotoView:
    key: str
    thumb_key: str
    width: int | None
    height: int | None


def page_columns(chain: list[Region]) -> tuple[dict[int, ColumnView], list[PhotoView]]:
    """The columns of the regions of a page's chain (by region id) and the last one's photos, kept
    in the cache until a column or a photo changes: two statements a region page before."""
    ids = [r.id for r in chain]

    def build():
        rows = db.session.scalars(sa.select(RegionColumn).where(RegionColumn.region_id.in_(ids)))
        cols = {c.region_id: ColumnView(c.specialties or "", c.text or "", c.updated_at,
                                        c.updated_by.name if c.updated_by else None) for c in rows}
        return cols, [PhotoView(p.key, p.thumb_key, p.width, p.height) for p in photos_of(chain[-1])]

    return cached(GROUP, "page:" + ",".join(map(str, ids)), build, PAGE_SECONDS)


def photos_of(region: Region) -> list[RegionPhoto]:
    return list(db.session.scalars(sa.select(RegionPhoto).where(RegionPhoto.region_id == region.id)
                                   .order_by(RegionPhoto.id)))


def history_of(region: Region, limit: int = 20) -> list[RegionColumnChange]:
    return list(db.session.scalars(sa.select(RegionColumnChange).where(RegionColumnChange.region_id == region.id)
                                   .order_by(RegionColumnChange.id.desc()).limit(limit)))


def _check_text(value, field: str, limit: int, *, one_line: bool, errors: dict) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if _CONTROLS.search(text) or (one_line and _LINE_BREAKS.search(text)):
        errors[field] = [_("不能含有控制字符")]
    elif len(text) > limit:
        errors[field] = [_("太长了：最多 %(n)d 个字", n=limit)]
    return text


def check(specialties, text) -> tuple[str, str]:
    """The column's two texts, trimmed; a ColumnError naming each field at fault."""
    errors: dict[str, list[str]] = {}
    specialties = _check_text(specialties, "specialties", SPECIALTIES_MAX, one_line=True, errors=errors)
    text = _check_text(text, "text", TEXT_MAX, one_line=False, errors=errors)
    if errors:
        raise ColumnError(next(iter(errors.values()))[0], errors=errors)
    return specialties, text


def read_photos(uploads, existing: int, removing: int) -> list[bytes]:
    """The uploaded photos' bytes, each an image by content; too many or not an image is refused."""
    files = [f for f in (uploads or ()) if getattr(f, "filename", "")]
    limit = current_app.config["REGION_MAX_PHOTOS"]
    if existing - removing + len(files) > limit:
        raise ColumnError(_("一个专栏最多 %(n)d 张照片", n=limit), field="photos")
    return read_images(files, max_bytes=current_app.config["REGION_PHOTO_MAX_BYTES"], error=ColumnError,
                       field="photos")


@atomic()
def save(region: Region, actor, *, specialties, text, uploads=(), remove_ids=()) -> RegionColumn:
    """Save ``region``'s column as ``actor`` (whose right to it the caller has checked): texts,
    new photos, photos removed (by id, of this region only). All checked first; one history row."""
    if region.level not in COLUMN_LEVELS:
        raise ColumnError(_("这一级地区没有专栏"), status=404)
    specialties, text = check(specialties, text)
    photos = photos_of(region)
    try:
        wanted = {int(i) for i in remove_ids or ()}
    except (TypeError, ValueError):
        raise ColumnError(_("要删除的照片不存在"), field="photos") from None
    removing = [p for p in photos if p.id in wanted]
    if len(removing) != len(wanted):
        raise ColumnError(_("要删除的照片不存在"), field="photos")
    images = read_photos(uploads, len(photos), len(removing))
    column = column_of(region)
    if column is None:
        column = RegionColumn(region_id=region.id)
        db.session.add(column)
    column.specialties, column.text = specialties, text
    column.updated_by_id, column.updated_at = actor.id, utcnow()
    for photo in removing:
        db.session.delete(photo)
    for data in images:
        stored = ingest_image(data, prefix=PHOTO_PREFIX, sizes=PHOTO_SIZES)
        db.session.add(RegionPhoto(region_id=region.id, key=stored.key(PHOTO_SIZES[-1]),
                                   thumb_key=stored.key(PHOTO_SIZES[0]), width=stored.width, height=stored.height,
                                   created_by_id=actor.id))
    db.session.add(RegionColumnChange(region_id=region.id, actor_id=actor.id, specialties=specialties, text=text,
                                      photos_added=len(images), photos_removed=len(removing)))
    return column

