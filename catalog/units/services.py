"""The admin's edits of the unit table (each in one transaction with its audit entry), the default
units from catalog/data/units.json, and whether a unit is in use."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from catalog.models import Unit, UnitKind, Variant
from catalog.units.table import unit_key
from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "units.json"
#: A code: letters (any script), digits, '.' or '_', at most the variants' column width.
CODE_RE = re.compile(r"^[\w.]{1,10}$")
#: An alias may also hold parentheses ("千克(kg)"); full-width ones are folded first.
ALIAS_RE = re.compile(r"^[\w.()]{1,20}$")
#: Characters no unit text may hold: control characters, line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_FACTOR = 10_000_000  # 10 t in grams, 10 m³ in ml, 10 km in mm
MAX_ALIASES = 20
MAX_SORT = 1_000_000
CONVERTIBLE = (UnitKind.WEIGHT, UnitKind.VOLUME, UnitKind.LENGTH)
#: Other domains' uses of a unit code (orders: its order lines): name -> check(code) -> bool.
_USAGE_CHECKS: dict[str, Callable[[str], bool]] = {}


class UnitError(DomainError):
    """A unit edit was refused; ``errors`` maps the form's fields to messages in the admin's language."""

    status = 422
    code = "invalid_unit"


def register_usage(name: str, check: Callable[[str], bool]) -> None:
    """Let a domain that stores unit codes say whether one is used (a used unit cannot be deleted)."""
    _USAGE_CHECKS[name] = check


def unit_in_use(code: str) -> bool:
    """Whether any variant (any product, deleted ones too) or another domain's row uses ``code``."""
    if db.session.scalar(sa.select(Variant.id).where(Variant.unit == code).limit(1)) is not None:
        return True
    return any(check(code) for check in _USAGE_CHECKS.values())


def snapshot(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "name_en": unit.name_en, "kind": UnitKind(unit.kind).value,
            "factor": unit.factor, "aliases": list(unit.aliases or []), "active": unit.active,
            "sort_order": unit.sort_order}


# --- checks ---------------------------------------------------------------------------------------

def _text(value) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _clean_name(value, field: str, limit: int, errors: dict) -> str:
    text = str(value or "").strip()
    if not text:
        errors[field] = [_("请填写名称")]
    elif _CONTROLS.search(text):
        errors[field] = [_("名称只能写一行，不能含控制字符")]
    elif len(text) > limit:
        errors[field] = [_("名称不能超过 %(n)d 个字", n=limit)]
    return text


def _clean_code(value, errors: dict) -> str:
    code = _text(value)
    if not code:
        errors["code"] = [_("请填写单位代码")]
    elif not CODE_RE.match(code):
        errors["code"] = [_("单位代码只能用文字、字母、数字、点和下划线，最长 10 个字")]
    return code


def _clean_kind(value, errors: dict) -> UnitKind | None:
    try:
        return UnitKind(str(value or ""))
    except ValueError:
        errors["kind"] = [_("请选择单位类别")]
        return None


def _clean_factor(value, kind: UnitKind | None, errors: dict) -> int | None:
    """Whole base units for weight, volume and length (1 to MAX_FACTOR); nothing for count and package."""
    text = _text(value)
    if kind not in CONVERTIBLE:
        if text:
            errors["factor"] = [_("计数和包装单位没有固定换算，请留空")]
        return None
    try:
        factor = int(text)
    except ValueError:
        errors["factor"] = [_("请填写换算数（整数）")]
        return None
    if not 1 <= factor <= MAX_FACTOR:
        errors["factor"] = [_("换算数必须在 1 到 %(n)d 之间", n=MAX_FACTOR)]
        return None
    return factor


def parse_aliases(value) -> list[str]:
    """Aliases as typed: a list, or text separated by commas, 、, semicolons or spaces."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[,，、;；\s]+", unicodedata.normalize("NFKC", str(value or "")))
    return [item.strip() for item in items if item.strip()]


def _clean_aliases(value, code: str, errors: dict) -> list[str]:
    aliases, keys, messages = [], {unit_key(code)}, []
    for alias in parse_aliases(value):
        alias = _text(alias)
        if not ALIAS_RE.match(alias):
            messages.append(_("别名“%(a)s”只能用文字、字母、数字、点和括号，最长 20 个字", a=alias[:20]))
        elif unit_key(alias) not in keys:  # the code itself or a repeat adds nothing
            keys.add(unit_key(alias))
            aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        messages.append(_("别名最多 %(n)d 个", n=MAX_ALIASES))
    if messages:
        errors["aliases"] = messages
    return aliases


def _clean_sort(value, errors: dict) -> int:
    text = _text(value)
    if not text:
        return 0
    try:
        number = int(text)
    except ValueError:
        number = MAX_SORT + 1
    if abs(number) > MAX_SORT:
        errors["sort_order"] = [_("排序必须是整数")]
        return 0
    return number


def _clashes(code: str, aliases: list[str], exclude_id: int | None, errors: dict) -> None:
    """A code or alias may name one unit only (matched as merchants' text is: any case or width)."""
    taken: dict[str, str] = {}
    for other in db.session.scalars(sa.select(Unit)):
        if other.id == exclude_id:
            continue
        for text in (other.code, *(other.aliases or [])):
            taken.setdefault(unit_key(text), other.code)
    if exclude_id is None and unit_key(code) in taken:
        errors.setdefault("code", []).append(_("“%(t)s”已是单位“%(u)s”的代码或别名", t=code, u=taken[unit_key(code)]))
    for alias in aliases:
        if unit_key(alias) in taken:
            errors.setdefault("aliases", []).append(
                _("“%(t)s”已是单位“%(u)s”的代码或别名", t=alias, u=taken[unit_key(alias)]))


def _clean(values: dict, unit: Unit | None) -> dict:
    """Every field checked at once; raises UnitError with a message per field at fault."""
    errors: dict[str, list[str]] = {}
    code = unit.code if unit is not None else _clean_code(values.get("code"), errors)
    kind = _clean_kind(values.get("kind"), errors)
    out = {"name": _clean_name(values.get("name"), "name", 20, errors),
           "name_en": _clean_name(values.get("name_en"), "name_en", 40, errors),
           "kind": kind, "factor": _clean_factor(values.get("factor"), kind, errors),
           "aliases": _clean_aliases(values.get("aliases"), code, errors),
           "sort_order": _clean_sort(values.get("sort_order"), errors)}
    if "code" not in errors:
        _clashes(code, out["aliases"], unit.id if unit is not None else None, errors)
    if unit is not None and kind is not None and (kind != unit.kind or out["factor"] != unit.factor) \
            and unit_in_use(unit.code):
        errors.setdefault("kind", []).append(_("单位已被商品使用：类别和换算不能再改（可以停用它，另建一个单位）"))
    if errors:
        raise UnitError(next(iter(errors.values()))[0], errors=errors)
    out["code"] = code
    return out


# --- the admin's verbs ----------------------------------------------------------------------------

def _audited(actor, action: str, unit: Unit, before: dict | None, work) -> Unit:
    """Run one edit and its audit entry in one transaction. The database has the last word on a
    race: a code another admin took meanwhile, a variant given the unit while it was deleted."""
    from marketplace.admin.services import record_audit

    try:
        with atomic():
            work()
            db.session.flush()
            record_audit(actor, action, "unit", unit.id, before=before,
                         after=snapshot(unit) if action != "unit.delete" else None)
    except IntegrityError:
        if action == "unit.delete":
            raise UnitError(_("单位“%(u)s”已被使用，不能删除，只能停用", u=unit.code), status=409,
                            code="unit_in_use") from None
        raise UnitError(_("“%(t)s”已是单位“%(u)s”的代码或别名", t=unit.code, u=unit.code), field="code") from None
    return unit


def add_unit(actor, **values) -> Unit:
    """Add a unit (active, offered at once in the editor, the CSV import and the API)."""
    cleaned = _clean(values, None)
    if not _text(values.get("sort_order")):  # at the end of its kind
        last = db.session.scalar(sa.select(sa.func.max(Unit.sort_order)).where(Unit.kind == cleaned["kind"]))
        cleaned["sort_order"] = (last or 0) + 10
    unit = Unit(**cleaned, active=True)
    return _audited(actor, "unit.add", unit, None, lambda: db.session.add(unit))


def update_unit(unit: Unit, actor, **values) -> Unit:
    """Change a unit's names, aliases and order (and its kind and factor while no variant uses it)."""
    before = snapshot(unit)
    cleaned = _clean(values, unit)
    cleaned.pop("code")

    def work():
        for name, value in cleaned.items():
            setattr(unit, name, value)

    return _audited(actor, "unit.edit", unit, before, work)


def set_unit_active(unit: Unit, actor, active: bool) -> Unit:
    """Deactivate a unit (no longer offered; variants that have it keep it) or activate it again."""
    before = snapshot(unit)

    def work():
        unit.active = bool(active)

    return _audited(actor, "unit.activate" if active else "unit.deactivate", unit, before, work)


def delete_unit(unit: Unit, actor) -> None:
    """Delete a unit nothing uses; a unit in use can only be deactivated."""
    if unit_in_use(unit.code):
        raise UnitError(_("单位“%(u)s”已被使用，不能删除，只能停用", u=unit.code), status=409, code="unit_in_use")
    _audited(actor, "unit.delete", unit, snapshot(unit), lambda: db.session.delete(unit))


@atomic()
def load_default_units(path: str | Path | None = None) -> int:
    """Add the units of the data file whose codes are missing; existing ones keep the admin's edits.
    Returns how many were added."""
    data = json.loads(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"))
    existing = set(db.session.scalars(sa.select(Unit.code)))
    added = 0
    for order, row in enumerate(data["units"]):
        if row["code"] in existing:
            continue
        db.session.add(Unit(code=row["code"], name=row["name"], name_en=row["name_en"], kind=UnitKind(row["kind"]),
                            factor=row["factor"], aliases=list(row["aliases"]), active=True, sort_order=order * 10))
        existing.add(row["code"])
        added += 1
    db.session.flush()
    return added
