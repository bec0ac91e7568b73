"""Regions: load the city's hierarchy from its data file, and the queries other domains use.

The data file (``marketplace/data/regions/<city>.json``) is a tree::

    {"regions": [{"code": "411400", "name": "商丘市", "name_en": "Shangqiu", "pinyin": "shangqiu",
                  "level": "city", "specialties": "...", "children": [...]}]}

Levels follow depth (city > county > township > village) unless an entry says otherwise. Loading
is an upsert by ``code``: reloading updates names and parents and never duplicates a row; regions
missing from the file are kept (shops refer to them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import Region, RegionLevel

LEVEL_ORDER = [RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]
_CODE_RE = re.compile(r"^\d{2,20}$")
_TEXT_LIMITS = {"name": 60, "name_en": 80, "pinyin": 120, "specialties": 200}


class RegionFileError(DomainError):
    """The regions file cannot be loaded; the message names the bad entry."""

    status = 422
    code = "invalid_regions_file"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Entry:
    code: str
    name: str
    name_en: str
    pinyin: str
    level: RegionLevel
    specialties: str
    parent_code: str | None
    sort_order: int


def _where(path: str, raw) -> str:
    if isinstance(raw, dict) and (raw.get("code") or raw.get("name")):
        return f"{path} ({raw.get('code', '?')} {raw.get('name', '')})"
    return path


def _code(raw: dict, where: str, source: str, seen: dict[str, str], parent: _Entry | None) -> str:
    code = raw.get("code")
    if isinstance(code, int):
        code = str(code)
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise RegionFileError(f"{source}: {where}: \"code\" must be a string of 2 to 20 digits")
    if code in seen:
        raise RegionFileError(f"{source}: {where}: code {code} is used twice (also at {seen[code]})")
    # 411400 (city) > 411424 (county) > 411424101 (township): trailing zeros are padding.
    if parent is not None and (code == parent.code or not code.startswith(parent.code.rstrip("0"))):
        raise RegionFileError(f"{source}: {where}: code {code} must extend its parent's code {parent.code}")
    return code


def _texts(raw: dict, where: str, source: str) -> dict[str, str]:
    values = {}
    for key, limit in _TEXT_LIMITS.items():
        value = raw.get(key, "")
        if isinstance(value, list) and key == "specialties":
            value = "、".join(str(v) for v in value)
        if not isinstance(value, str):
            raise RegionFileError(f"{source}: {where}: \"{key}\" must be text")
        value = value.strip()
        if len(value) > limit:
            raise RegionFileError(f"{source}: {where}: \"{key}\" is longer than {limit} characters")
        values[key] = value
    if not values["name"]:
        raise RegionFileError(f"{source}: {where}: \"name\" is missing")
    return values


def _level(raw: dict, where: str, source: str, depth: int, parent: _Entry | None) -> RegionLevel:
    """The entry's level: given, or implied by its depth; never at or above its parent's."""
    level_raw = raw.get("level")
    if level_raw is None:
        if depth >= len(LEVEL_ORDER):
            raise RegionFileError(f"{source}: {where}: nested deeper than village")
        level = LEVEL_ORDER[depth]
    else:
        try:
            level = RegionLevel(level_raw)
        except ValueError:
            choices = ", ".join(m.value for m in RegionLevel)
            raise RegionFileError(f"{source}: {where}: unknown level {level_raw!r} (use {choices})") from None
    if parent is not None and LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(parent.level):
        raise RegionFileError(f"{source}: {where}: a {level.value} cannot sit under a {parent.level.value}")
    return level


def _parse(doc, source: str) -> list[_Entry]:
    """Validate the whole document before anything is written; returns entries parents-first."""
    if not isinstance(doc, dict) or not isinstance(doc.get("regions"), list) or not doc["regions"]:
        raise RegionFileError(f"{source}: expected an object with a non-empty \"regions\" list")
    entries: list[_Entry] = []
    seen: dict[str, str] = {}

    def walk(items, path: str, parent: _Entry | None, depth: int) -> None:
        if not isinstance(items, list):
            raise RegionFileError(f"{source}: {path} must be a list")
        for index, raw in enumerate(items):
            if not isinstance(raw, dict):
                raise RegionFileError(f"{source}: {path}[{index}] must be an object")
            where = _where(f"{path}[{index}]", raw)
            code = _code(raw, where, source, seen, parent)
            values = _texts(raw, where, source)
            level = _level(raw, where, source, depth, parent)
            seen[code] = where
            entry = _Entry(code=code, level=level, parent_code=parent.code if parent else None,
                           sort_order=index, **values)
            entries.append(entry)
            walk(raw.get("children", []), f"{where}.children", entry, depth + 1)

    walk(doc["regions"], "regions", None, 0)
    return entries


def read_regions_file(path: str | Path) -> list[_Entry]:
    """Read and validate a regions file (no database access)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionFileError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionFileError(f"{path}: not valid UTF-8 JSON ({exc})") from None
    return _parse(doc, str(path))


def load_regions(path: str | Path, progress: Callable[[int], None] | None = None) -> LoadResult:
    """Upsert the regions of a data file by code, in one transaction. Safe to run again."""
    entries = read_regions_file(path)
    existing = {r.code: r for r in db.session.scalars(db.select(Region))}
    result = LoadResult()
    with atomic():
        for entry in entries:
            parent = existing[entry.parent_code] if entry.parent_code else None
            region = existing.get(entry.code)
            fields = {"name": entry.name, "name_en": entry.name_en, "pinyin": entry.pinyin,
                      "level": entry.level, "specialties": entry.specialties, "sort_order": entry.sort_order}
            if region is None:
                region = Region(code=entry.code, parent=parent, **fields)
                db.session.add(region)
                existing[entry.code] = region
                result.created += 1
            else:
                changed = False
                for key, value in fields.items():
                    if getattr(region, key) != value:
                        setattr(region, key, value)
                        changed = True
                if region.parent is not parent:
                    region.parent = parent
                    changed = True
                if changed:
                    result.updated += 1
                else:
                    result.unchanged += 1
            if progress:
                progress(1)
        db.session.flush()
    return result


# --- queries ---------------------------------------------------------------------------------

def counties() -> list[Region]:
    """County-level units (counties, districts, county-level cities) in file order."""
    return list(db.session.scalars(
        db.select(Region).where(Region.level == RegionLevel.COUNTY).order_by(Region.sort_order, Region.code)))


def county_by_code(code: str | None) -> Region | None:
    if not code:
        return None
    return db.session.scalar(db.select(Region).where(Region.code == code, Region.level == RegionLevel.COUNTY))


def _label(region: Region, locale: str) -> str:
    return region.localized_name(locale)


def region_choices(locale: str = "zh_CN", *, depth: RegionLevel = RegionLevel.TOWNSHIP) -> list[tuple[int, str]]:
    """(id, label) pairs for a select: each county followed by its townships, indented."""
    rows = list(db.session.scalars(
        db.select(Region).where(Region.level.in_([RegionLevel.COUNTY, RegionLevel.TOWNSHIP]))
        .order_by(Region.sort_order, Region.code)))
    by_parent: dict[int | None, list[Region]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    choices: list[tuple[int, str]] = []
    for county in (r for r in rows if r.level == RegionLevel.COUNTY):
        choices.append((county.id, _label(county, locale)))
        if depth == RegionLevel.TOWNSHIP:
            for township in by_parent.get(county.id, []):
                choices.append((township.id, "\u3000\u3000" + _label(township, locale)))
    return choices


def descendant_ids(region: Region) -> list[int]:
    """The region's id and those of everything below it (for "in this county" filters)."""
    ids = [region.id]
    frontier = [region.id]
    for _level in range(len(LEVEL_ORDER)):
        if not frontier:
            break
        frontier = list(db.session.scalars(db.select(Region.id).where(Region.parent_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def descendants(region: Region) -> list[Region]:
    """The regions below ``region`` (not itself)."""
    ids = descendant_ids(region)[1:]
    if not ids:
        return []
    return list(db.session.scalars(db.select(Region).where(Region.id.in_(ids)).order_by(Region.code)))


def ancestors(region: Region) -> Iterator[Region]:
    """From the top (the city) down to the region itself."""
    chain = []
    node: Region | None = region
    while node is not None and len(chain) < 10:
        chain.append(node)
        node = node.parent
    return reversed(chain)


def county_of(region: Region) -> Region | None:
    return next((r for r in ancestors(region) if r.level == RegionLevel.COUNTY), None)


def region_path(region: Region | None, locale: str = "zh_CN", sep: str = " › ") -> str:
    """"商丘市 › 柘城县 › 起台镇" (English names in the English UI)."""
    if region is None:
        return ""
    return sep.join(_label(r, locale) for r in ancestors(region))


def selectable_region(region_id) -> Region | None:
    """A region a shop may be placed in (county, township or village), or None."""
    try:
        region = db.session.get(Region, int(region_id))
    except (TypeError, ValueError):
        return None
    if region is None or region.level == RegionLevel.CITY:
        return None
    return region


def unknown_region_message() -> str:
    return _("请选择所在的县区或乡镇")
