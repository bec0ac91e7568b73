"""Load the regions data files into the database: validated first, then bulk upserted by code.

A data file (``marketplace/data/regions/*.json``) is a tree::

    {"parent": "410000",                      # optional: the region the top entries hang under
     "regions": [{"code": "411400", "name": "商丘市", "name_en": "Shangqiu", "pinyin": "shangqiu",
                  "level": "city", "specialties": "...", "children": [...]}]}

An entry's level is given or is the level after its parent's (country > province > city > county
> township > village); a level never sits at or above its parent's. Several files load together
(the country to county level, then the city down to villages): an entry of a later file with the
same code completes the earlier one (its specialties). Loading is an upsert by ``code`` in one
transaction, level by level with bulk statements: reloading changes nothing and never duplicates a
row; regions missing from the files are kept (shops and addresses refer to them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import LEVEL_ORDER, Region, RegionLevel

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
class Entry:
    code: str
    name: str
    name_en: str
    pinyin: str
    level: RegionLevel
    specialties: str
    parent_code: str | None
    sort_order: int


_COLUMNS = ("name", "name_en", "pinyin", "level", "specialties", "sort_order")


def _where(path: str, raw) -> str:
    if isinstance(raw, dict) and (raw.get("code") or raw.get("name")):
        return f"{path} ({raw.get('code', '?')} {raw.get('name', '')})"
    return path


def _code(raw: dict, where: str, source: str, seen: dict[str, str], parent_code: str | None) -> str:
    code = raw.get("code")
    if isinstance(code, int):
        code = str(code)
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise RegionFileError(f"{source}: {where}: \"code\" must be a string of 2 to 20 digits")
    if code in seen:
        raise RegionFileError(f"{source}: {where}: code {code} is used twice (also at {seen[code]})")
    # 410000 (province) > 411400 (city) > 411424 (county) > 411424102 (township): zeros are padding.
    if parent_code is not None and (code == parent_code or not code.startswith(parent_code.rstrip("0"))):
        raise RegionFileError(f"{source}: {where}: code {code} must extend its parent's code {parent_code}")
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


def _level(raw: dict, where: str, source: str, parent_level: RegionLevel | None) -> RegionLevel:
    """The entry's level: given, or the one after its parent's; never at or above its parent's."""
    level_raw = raw.get("level")
    if level_raw is None:
        if parent_level is None:
            raise RegionFileError(f"{source}: {where}: a top entry needs a \"level\"")
        if parent_level == LEVEL_ORDER[-1]:
            raise RegionFileError(f"{source}: {where}: nested deeper than village")
        return LEVEL_ORDER[LEVEL_ORDER.index(parent_level) + 1]
    try:
        level = RegionLevel(level_raw)
    except ValueError:
        choices = ", ".join(m.value for m in RegionLevel)
        raise RegionFileError(f"{source}: {where}: unknown level {level_raw!r} (use {choices})") from None
    if parent_level is not None and LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(parent_level):
        raise RegionFileError(f"{source}: {where}: a {level.value} cannot sit under a {parent_level.value}")
    return level


def _parse(doc, source: str, known: dict[str, Entry]) -> list[Entry]:
    """Validate one document; ``known``: entries of the files read before (a top entry's parent)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("regions"), list) or not doc["regions"]:
        raise RegionFileError(f"{source}: expected an object with a non-empty \"regions\" list")
    top_parent = doc.get("parent")
    if top_parent is not None and not isinstance(top_parent, str):
        raise RegionFileError(f"{source}: \"parent\" must be a region code")
    entries: list[Entry] = []
    seen: dict[str, str] = {}

    def walk(items, path: str, parent_code: str | None, parent_level: RegionLevel | None) -> None:
        if not isinstance(items, list):
            raise RegionFileError(f"{source}: {path} must be a list")
        for index, raw in enumerate(items):
            if not isinstance(raw, dict):
                raise RegionFileError(f"{source}: {path}[{index}] must be an object")
            where = _where(f"{path}[{index}]", raw)
            code = _code(raw, where, source, seen, parent_code)
            values = _texts(raw, where, source)
            level = _level(raw, where, source, parent_level)
            seen[code] = where
            entries.append(Entry(code=code, level=level, parent_code=parent_code, sort_order=index, **values))
            walk(raw.get("children", []), f"{where}.children", code, level)

    parent = known.get(top_parent) if top_parent else None
    walk(doc["regions"], "regions", top_parent, parent.level if parent else None)
    return entries


def _read_one(path: Path, known: dict[str, Entry]) -> list[Entry]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionFileError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionFileError(f"{path}: not valid UTF-8 JSON ({exc})") from None
    return _parse(doc, str(path), known)


def _paths(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        return [Path(paths)]
    return [Path(p) for p in paths]


def read_regions(paths: str | Path | Iterable[str | Path]) -> list[Entry]:
    """Read and validate one or several files (no database access); parents come before children."""
    merged: dict[str, Entry] = {}
    for path in _paths(paths):
        for entry in _read_one(path, merged):
            earlier = merged.get(entry.code)
            if earlier is not None:  # the later file completes the earlier one
                entry.specialties = entry.specialties or earlier.specialties
                entry.name_en = entry.name_en or earlier.name_en
                entry.pinyin = entry.pinyin or earlier.pinyin
                entry.sort_order = earlier.sort_order
                entry.parent_code = entry.parent_code or earlier.parent_code
            merged[entry.code] = entry
    return sorted(merged.values(), key=lambda e: LEVEL_ORDER.index(e.level))


def load_regions(paths: str | Path | Iterable[str | Path],
                 progress: Callable[[int], None] | None = None) -> LoadResult:
    """Upsert the regions of the data files by code, in one transaction. Safe to run again."""
    return load_entries(read_regions(paths), progress)


def load_entries(entries: list[Entry], progress: Callable[[int], None] | None = None) -> LoadResult:
    """Upsert entries already read (``read_regions``) in one transaction."""
    from marketplace.cache import bump_after_commit

    with atomic():
        result = upsert(db.session.connection(), entries, progress)
        bump_after_commit("regions")  # the cached chains (services.cached_ancestors): Core statements bump nothing
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Region):  # the bulk statements went around the loaded objects
            db.session.expire(obj)
    return result


def upsert(conn: sa.Connection, entries: list[Entry], progress: Callable[[int], None] | None = None) -> LoadResult:
    """Write ``entries`` (parents first) on ``conn`` with bulk statements, level by level (the
    migration that brought the official codes calls this on its own connection)."""
    table = Region.__table__
    cols = [table.c.id, table.c.code, table.c.parent_id] + [table.c[c] for c in _COLUMNS]
    existing = {row.code: row for row in conn.execute(sa.select(*cols))}
    ids = {code: row.id for code, row in existing.items()}
    result = LoadResult()
    for level in LEVEL_ORDER:
        batch = [e for e in entries if e.level == level]
        inserts, updates = [], []
        for entry in batch:
            parent_id = ids.get(entry.parent_code) if entry.parent_code else None
            if entry.parent_code and parent_id is None:
                raise RegionFileError(f"{entry.code} {entry.name}: its parent {entry.parent_code} is in no "
                                      "file and not in the database")
            values = {c: getattr(entry, c) for c in _COLUMNS}
            row = existing.get(entry.code)
            if row is None:
                inserts.append({"code": entry.code, "parent_id": parent_id, **values})
            elif row.parent_id != parent_id or any(getattr(row, c) != v for c, v in values.items()):
                updates.append({"_id": row.id, "parent_id": parent_id, **values})
        if inserts:
            for new_id, code in conn.execute(table.insert().returning(table.c.id, table.c.code), inserts):
                ids[code] = new_id
        if updates:
            conn.execute(table.update().where(table.c.id == sa.bindparam("_id")), updates)
        result.created += len(inserts)
        result.updated += len(updates)
        result.unchanged += len(batch) - len(inserts) - len(updates)
        if progress and batch:
            progress(len(batch))
    return result
