"""一县一品: each county's specialties, as the regions file names them, with the products that match.

A county's ``specialties`` is a line of the regions file such as
"三樱椒/朝天椒（中国辣椒之乡）、金刚石与超硬材料": specialties are separated by 、 (or a comma),
a specialty's alternatives by / or 与, and a parenthesis is a gloss, not something to look for.
Products are matched through the search engine (the products index), restricted to the county:
the same analysis as the search page (words, synonyms), matches in the title first, and a cost that
grows with the matches, not with the catalogue (one bitmap lookup per term on Whoosh, one indexed
query on PostgreSQL). A county none of whose specialties matches shows its newest products.

The choice (ids) is cached with the other home blocks (catalog.home_cache); cards are re-read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from catalog.search import NAME
from marketplace.regions.models import Region
from search import SearchQuery, search

log = logging.getLogger(__name__)

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
    #: The term a link to the search page uses (the first that found something), or None.
    term: str | None = None
    total: int = 0
    ids: list[int] = field(default_factory=list)


def _search(text: str, county: str, limit: int, sort: str = "relevance") -> tuple[list[int], int]:
    """(ids, total) of the county's products matching every word of ``text``; nothing when the engine
    only found partial matches or cannot answer (the home page never fails for its tiles)."""
    try:
        result = search(NAME, SearchQuery(text=text, filters={"county": county}, sort=sort, per_page=limit,
                                          prefer=("in_stock",)))
    except Exception:  # noqa: BLE001 - an engine that is down or not built yet: the tile falls back
        log.warning("specialty search failed for %s in %s", text, county, exc_info=True)
        return [], 0
    if result.error or result.notice:  # a notice: partial matches (or a cut query), not this specialty
        return [], 0
    return [int(i) for i in result.ids], result.total


def match_county(county: Region, limit: int) -> tuple[list[SpecialtyMatch], list[int], bool]:
    """(each specialty with its matches, the ids the tile shows, whether they are a fallback).

    The tile takes the best match of each specialty in turn (so every matched specialty shows),
    then the second of each, up to ``limit``; with no match at all, the county's newest products."""
    matches = []
    for specialty in parse_specialties(county.specialties):
        found = SpecialtyMatch(specialty.label)
        for term in specialty.terms:
            ids, total = _search(term, county.name, limit)
            if ids and found.term is None:
                found.term = term
            found.total += total
            found.ids.extend(i for i in ids if i not in found.ids)
        matches.append(found)
    chosen: list[int] = []
    for rank in range(limit):
        for found in matches:
            if rank < len(found.ids) and found.ids[rank] not in chosen and len(chosen) < limit:
                chosen.append(found.ids[rank])
    if chosen:
        return matches, chosen, False
    newest, _total = _search("", county.name, limit, sort="newest")
    return matches, newest, True
