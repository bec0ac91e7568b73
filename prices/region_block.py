"""Prices' block on a region page (``add_blocks(app, "region", ...)``): today's prices of the
commodities that match the region's specialties.

The specialties are the page's line (its column's, else the nearest ancestor's: a township's column,
the county's 一县一品), split into words as the catalogue's tiles split them
(catalog.specialties.parse_specialties: "三樱椒/朝天椒（中国辣椒之乡）、大蒜" -> 三樱椒, 朝天椒, 大蒜).
A commodity's name gives its words too, its gloss included ("朝天椒（三樱椒）" -> 朝天椒, 三樱椒).
A word of the specialties matches a commodity when one contains the other (two characters at least:
"金顶谢花酥梨" matches 酥梨, "葡萄酒" matches 葡萄; "桃" alone matches only "桃").
The prices are the board's rows (prices.queries.board: the latest published day within a week, per
market and spec) of the matched commodities, at most ``SHOWN`` rows; both the commodities and the
board are kept in the prices cache group (no statement on a page once warm). No match, or no price:
no block.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from catalog.specialties import parse_specialties
from marketplace.cache import cached
from marketplace.domains import Panel
from marketplace.extensions import db
from prices import queries
from prices.models import Commodity
from prices.reference import GROUP
from prices.services import local_today

SHOWN = 12
#: The board as region pages show it is kept this long at most (a published price bumps it at once;
#: the platforms' prices beside it are fetched by a job, not watched).
BOARD_SECONDS = 300
_NAME_PARTS = re.compile(r"[（）()/／、，,\s]+")


def name_words(name: str) -> list[str]:
    """The words of a commodity's name: "朝天椒（三樱椒）" -> ["朝天椒", "三樱椒"]."""
    return [w for w in _NAME_PARTS.split(name or "") if w]


def matches(term: str, word: str) -> bool:
    if term == word:
        return True
    return (len(word) >= 2 and word in term) or (len(term) >= 2 and term in word)


def matching_commodities(specialties: str) -> list[str]:
    """Codes of the active commodities whose name matches a word of ``specialties``."""
    terms = [t for s in parse_specialties(specialties) for t in s.terms]
    if not terms:
        return []
    return [code for code, name in _active_commodities() if any(matches(t, w) for t in terms for w in name_words(name))]


def _active_commodities() -> list[tuple[str, str]]:
    """(code, name) of the active commodities, kept until one changes (the prices cache group)."""
    return cached(GROUP, "active-commodities", lambda: [(code, name) for code, name in db.session.execute(
        sa.select(Commodity.code, Commodity.name).where(Commodity.active).order_by(Commodity.sort_order, Commodity.id))])


def region_block(view) -> Panel | None:
    codes = set(matching_commodities(view.specialties))
    if not codes:
        return None
    board = cached(GROUP, f"board:{local_today().isoformat()}", queries.board, BOARD_SECONDS)
    rows = [r for r in board if r.commodity_code in codes][:SHOWN]
    if not rows:
        return None
    return Panel("prices/_region_prices.html", {"rows": rows, "specialties": view.specialties}, order=40)
