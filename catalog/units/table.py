"""Reading the unit table: one snapshot per process, so a page of product cards costs no SQL for units.

Every reader (the editor, the CSV import, the API, prices per kg, the weighing of an order line,
unit names on pages) asks ``unit_table()`` for an immutable snapshot of the ``units`` table.

How the snapshot stays fresh, on one machine or several:

* The process that commits a change to a unit drops its own snapshot at once (a session hook),
  so the admin who edits sees the edit on the next request.
* Every other process compares the version stamp of the cache group ``units``
  (``marketplace.cache``: a Redis key when ``REDIS_URL`` is set, shared by every machine; else a
  file under the data folder, shared by the workers of one machine), which the commit bumps, at
  most once every ``CHECK_SECONDS`` (one ``stat`` or one Redis GET, never per card), and reloads the
  table (one SELECT) when it changed.
* Whatever the stamp says, a snapshot older than ``TTL_SECONDS`` is reloaded: the backstop for
  machines that share a database but no Redis (their file stamps are their own) and for a bump
  lost while Redis was down.
* A text that the snapshot does not know is looked up once more in a freshly loaded table before
  it is refused (``resolve(..., fresh_on_miss=True)``), so a unit the admin has just added on
  another machine is accepted at once; only a refusal pays that query.

A stamp checked on a timer rather than on every read, because the readers are per product card
and a Redis GET each would cost more than the card. The units change a few times a year: a
second's delay for other workers, and a minute's on a second machine without Redis, are harmless.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.models import Unit, UnitKind
from marketplace import cache
from marketplace.extensions import db

#: The cache group whose version stamp says "the units changed".
GROUP = "units"
#: How often a process compares its snapshot with the shared stamp, and its longest life.
CHECK_SECONDS = 1.0
TTL_SECONDS = 60.0
#: Kinds in the order the editor groups them.
KIND_ORDER = (UnitKind.WEIGHT, UnitKind.COUNT, UnitKind.PACKAGE, UnitKind.VOLUME, UnitKind.LENGTH)
KIND_LABELS = {UnitKind.WEIGHT: _l("重量"), UnitKind.COUNT: _l("计数"), UnitKind.PACKAGE: _l("包装"),
               UnitKind.VOLUME: _l("容量"), UnitKind.LENGTH: _l("长度")}
#: The base unit each kind's factor counts in.
BASE_UNITS = {UnitKind.WEIGHT: _l("克"), UnitKind.VOLUME: _l("毫升"), UnitKind.LENGTH: _l("毫米")}
#: Grams in the two reference weights prices are compared by.
KG_GRAMS, JIN_GRAMS = 1000, 500


def unit_key(text: str | None) -> str:
    """How a code or alias is matched: full-width folded to half-width (NFKC), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def kind_label(kind) -> str:
    return str(KIND_LABELS.get(UnitKind(kind), kind))


@dataclass(frozen=True)
class UnitInfo:
    """One row of the snapshot (plain data: safe to share between threads and requests)."""

    code: str
    name: str
    name_en: str
    kind: UnitKind
    factor: int | None
    aliases: tuple[str, ...]
    active: bool
    sort_order: int

    def label(self, locale: str | None = None) -> str:
        """The unit's name in the locale ('en' or Chinese): 斤 -> 'jin' in English."""
        english = (locale or _locale()).startswith("en")
        return (self.name_en if english else self.name) or self.code

    @property
    def grams(self) -> int | None:
        """Grams in one unit, when the unit is a weight."""
        return self.factor if self.kind == UnitKind.WEIGHT else None


class UnitTable:
    """The snapshot: units by code, every code and alias by its key, and the display order."""

    def __init__(self, units: list[UnitInfo]):
        self.ordered: tuple[UnitInfo, ...] = tuple(sorted(
            units, key=lambda u: (KIND_ORDER.index(u.kind), u.sort_order, u.code)))
        self.by_code = {u.code: u for u in self.ordered}
        self.by_key: dict[str, str] = {}
        for u in self.ordered:  # codes first: an alias never hides another unit's code
            self.by_key.setdefault(unit_key(u.code), u.code)
        for u in self.ordered:
            for alias in u.aliases:
                self.by_key.setdefault(unit_key(alias), u.code)

    def get(self, code: str | None) -> UnitInfo | None:
        return self.by_code.get(code or "")

    def find(self, text: str | None) -> UnitInfo | None:
        """The unit a merchant means by ``text`` (its code or an alias, any case or width), active or not."""
        text = (text or "").strip()
        found = self.by_code.get(text)
        if found is None:
            code = self.by_key.get(unit_key(text))
            found = self.by_code.get(code) if code else None
        return found

    def active(self) -> list[UnitInfo]:
        return [u for u in self.ordered if u.active]


class _Snapshot(NamedTuple):
    table: UnitTable
    version: str | None
    generation: int
    expires: float
    next_check: float


#: Bumped when this process commits a change to a unit: every app of the process reloads.
_generation = 0
_lock = threading.Lock()


def forget() -> None:
    """Drop this process's snapshots (the next read reloads the table)."""
    global _generation
    with _lock:
        _generation += 1


def _stamp() -> str | None:
    try:
        return cache.version(GROUP)
    except Exception:  # no stamp: the table is re-read at each check (Redis down gives an unknown version instead)
        return None


def _load() -> UnitTable:
    """One SELECT of the whole table (a few dozen rows), as plain data."""
    with db.session.no_autoflush:
        rows = db.session.execute(sa.select(Unit.code, Unit.name, Unit.name_en, Unit.kind, Unit.factor,
                                            Unit.aliases, Unit.active, Unit.sort_order)).all()
    return UnitTable([UnitInfo(code=r.code, name=r.name, name_en=r.name_en, kind=UnitKind(r.kind), factor=r.factor,
                               aliases=tuple(r.aliases or ()), active=bool(r.active), sort_order=r.sort_order)
                      for r in rows])


def unit_table(*, fresh: bool = False) -> UnitTable:
    """The current snapshot of the unit table (see the module's docstring); ``fresh`` reloads it."""
    state = current_app.extensions.setdefault("catalog_units", {})
    snap: _Snapshot | None = state.get("snapshot")
    now = time.monotonic()
    if not fresh and snap is not None and snap.generation == _generation and now < snap.next_check:
        return snap.table
    stamp = _stamp()
    if (fresh or snap is None or snap.generation != _generation or now >= snap.expires
            or stamp is None or stamp != snap.version):
        generation = _generation  # read before loading: a commit meanwhile makes the next read reload
        snap = _Snapshot(_load(), stamp, generation, now + TTL_SECONDS, now + CHECK_SECONDS)
    else:
        snap = snap._replace(next_check=now + CHECK_SECONDS)
    state["snapshot"] = snap
    return snap.table


def resolve(text: str | None, *, fresh_on_miss: bool = False) -> UnitInfo | None:
    """The unit for what a merchant typed (code or alias), active or not; None when unknown."""
    found = unit_table().find(text)
    if found is None and fresh_on_miss and (text or "").strip():
        found = unit_table(fresh=True).find(text)
    return found


def normalise_unit(text: str | None) -> str | None:
    """The code of an *active* unit for what a merchant typed, or None."""
    found = resolve(text, fresh_on_miss=True)
    return found.code if found is not None and found.active else None


def weight_grams(unit: str | None) -> int | None:
    """Grams in one ``unit`` when it is a weight unit (kg, 斤, 两, 吨 ...), else None."""
    info = unit_table().get(unit)
    return info.grams if info is not None else None


def is_weight_unit(unit: str | None) -> bool:
    return weight_grams(unit) is not None


def grams_per_unit(unit: str | None, weight_grams_: int | None) -> int | None:
    """Net grams in one unit: from the unit itself (kg, 斤, 吨) or from the variant's weight."""
    grams = weight_grams(unit)
    if grams:
        return grams
    if weight_grams_ and weight_grams_ > 0:
        return weight_grams_
    return None


def _locale() -> str:
    from marketplace.i18n import current_locale_code

    return current_locale_code()


def unit_name(code: str | None, locale: str | None = None) -> str:
    """A unit's name in the user's language (the code itself for a unit the table does not know, or
    outside an application)."""
    if not has_app_context():
        return code or ""
    info = unit_table().get(code)
    return info.label(locale) if info is not None else (code or "")


class UnitOption(NamedTuple):
    code: str
    label: str
    selected: bool
    active: bool


def unit_groups(selected: str | None = None, locale: str | None = None) -> list[tuple[str, list[UnitOption]]]:
    """The editor's choices: active units grouped by kind as [(kind label, [options])], with the unit
    ``selected`` names (by code or alias) marked, and offered even when deactivated (a variant keeps
    its unit). Labels two offered units share in the locale (千克 for kg and for 千克) carry the code; in
    English only the first of units sharing a name is offered."""
    locale = locale or _locale()
    table = unit_table()
    chosen = table.find(selected) if selected else None
    chosen_code = chosen.code if chosen is not None else None
    offered = [u for u in table.ordered if u.active or u.code == chosen_code]
    if locale.startswith("en"):
        # kg, 公斤 and 千克 are one "kg" in English: offer the first (and the variant's own), so the
        # English editor needs no Chinese code to tell them apart.
        first: dict[str, str] = {}
        for u in offered:
            first.setdefault(u.label(locale), u.code)
        offered = [u for u in offered if u.code in (chosen_code, first[u.label(locale)])]
    counts: dict[str, int] = {}
    for u in offered:
        counts[u.label(locale)] = counts.get(u.label(locale), 0) + 1
    groups = []
    for kind in KIND_ORDER:
        items = [UnitOption(u.code, _option_label(u, locale, counts), u.code == chosen_code, u.active)
                 for u in offered if u.kind == kind]
        if items:
            groups.append((kind_label(kind), items))
    return groups


def _option_label(u: UnitInfo, locale: str, counts: dict[str, int]) -> str:
    label = u.label(locale)
    if counts[label] > 1 and label != u.code:
        label = f"{label} ({u.code})" if locale.startswith("en") else f"{label}（{u.code}）"
    return label if u.active else _("%(unit)s（已停用）", unit=label)


# --- this process's snapshot follows its own commits -------------------------------------------

_FLAG = "catalog_units_changed"


def _after_flush(session: Session, _ctx) -> None:
    if any(isinstance(obj, Unit) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        forget()


def _after_rollback(session: Session, _previous) -> None:
    if session.info.pop(_FLAG, False):
        forget()  # a read between the flush and the rollback may have seen the change


_installed = False


def install() -> None:
    """Hook the session events once per process; watch the units for the version stamp and for the
    page cache (unit names are on cached catalogue pages)."""
    global _installed
    cache.watch(GROUP, Unit)
    cache.watch("catalog", Unit)
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True
