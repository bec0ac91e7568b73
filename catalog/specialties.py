"""一县一品: each county's specialties, as the regions file names them, with the products that match.

A county's ``specialties`` is a line of the regions file such as
"三樱椒/朝天椒（中国辣椒之乡）、金刚石与超硬材料": specialties are separated by 、 (or a comma),
a specialty's alternatives by / or 与, and a parenthesis is a gloss, not something to look for.

What the tiles cost must not grow with the catalogue (the home page's cold path runs after every
catalogue change): the listings looked at are the city's ``WINDOW`` newest public ones, read in one
statement (a LIMITed walk of the published-at index) and placed in their county by the division
code of their origin. A specialty matches a listing whose title or subtitle contains one of its
words (in-stock listings first, then the newest); a county none of whose specialties matches there
shows its newest listings, and one with none among them shows its specialties only. The search
page (each specialty links to it, restricted to the county) finds every match, older ones too.
The choice (ids) is cached with the other home blocks (catalog.home_cache); cards are re-read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop, ShopStatus

#: The city's newest listings the tiles choose from.
WINDOW = 1000

_SPECIALTIES = re.compile(r"[、，,；;]")
_GLOSS = re.compile(r"（[^）]*）|\([^)]*\)")
_ALTERNATIVES = re.compile(r"[/／]|与|及")


@dataclass(frozen=True)
class Specialty:
    #: As written in the regions file, without its gloss: "三樱椒/朝天椒".
    label: str
    #: What is looked for: ("三樱椒", "朝天椒").
    terms: tuple[str, ...]


def parse_specialties(text: str | None) -> list[Specialty]:
    """The specialties of a regions-file line, in order."""
    out = []
    for part in _SPECIALTIES.split(text or ""):
        label = _GLOSS.sub("", part).strip()
        terms = tuple(t for t in (s.strip() for s in _ALTERNATIVES.split(label)) if len(t) >= 2)
        if label and terms:
            out.append(Specialty(label, terms))
    return out


@dataclass
class SpecialtyMatch:
    label: str
    #: The word a link to the search page uses (the first that matched), or None.
    term: str | None = None
    ids: list[int] = field(default_factory=list)


def _after(code: str) -> str:
    """The first code after every code that starts with ``code`` ("411424" -> "411425")."""
    return code[:-1] + chr(ord(code[-1]) + 1)


def newest_by_county(counties: list[Region], window: int | None = None) -> dict[int, list[tuple[int, str, bool]]]:
    """County id -> the county's listings among the city's ``window`` newest public ones, as (id,
    title and subtitle, in stock), newest first. One statement: a LIMITed walk of the newest
    listings (an index), each placed in the county whose division code starts its origin's."""
    out: dict[int, list[tuple[int, str, bool]]] = {c.id: [] for c in counties}
    if not counties:
        return out
    by_code = {c.code: c.id for c in counties}
    lengths = sorted({len(code) for code in by_code})
    rows = db.session.execute(
        sa.select(Product.id, Product.title, Product.subtitle, Product.in_stock, Region.code)
        .join(Shop, Shop.id == Product.shop_id).join(Region, Region.id == Product.origin_region_id)
        .where(Product.status == ProductStatus.PUBLISHED, Product.deleted_at.is_(None),
               Shop.status == ShopStatus.APPROVED, Region.code >= min(by_code), Region.code < _after(max(by_code)))
        .order_by(Product.published_at.desc(), Product.id.desc()).limit(window or WINDOW))
    for pid, title, subtitle, in_stock, code in rows:
        county = next((by_code[code[:n]] for n in lengths if code[:n] in by_code), None)
        if county is not None:
            out[county].append((pid, f"{title} {subtitle or ''}", bool(in_stock)))
    return out


def match_county(county: Region, listings: list[tuple[int, str, bool]], limit: int
                 ) -> tuple[list[SpecialtyMatch], list[int], bool]:
    """(each specialty with its matches, the ids the tile shows, whether they are a fallback).

    The tile takes the best match of each specialty in turn (so every matched specialty shows),
    then the second of each, up to ``limit``; with no match at all, the county's newest products."""
    ordered = sorted(listings, key=lambda item: not item[2])  # in stock first, newest first within (stable)
    matches = []
    for specialty in parse_specialties(county.specialties):
        found = SpecialtyMatch(specialty.label)
        for pid, text, _in_stock in ordered:
            term = next((t for t in specialty.terms if t in text), None)
            if term is not None:
                found.term = found.term or term
                found.ids.append(pid)
                if len(found.ids) == limit:  # the tile shows no more of one specialty
                    break
        matches.append(found)
    chosen: list[int] = []
    for rank in range(limit):
        for found in matches:
            if rank < len(found.ids) and found.ids[rank] not in chosen and len(chosen) < limit:
                chosen.append(found.ids[rank])
    if chosen:
        return matches, chosen, False
    return matches, [pid for pid, _text, _in_stock in ordered[:limit]], True
