"""Which commodity a product or an order line is, decided in one place for the product page's
reference price and the platform's transaction prices.

A commodity finds a title when both hold:
- the product's catalogue category is the commodity's category or below it (``Commodity.category_id``:
  酥梨 is under 水果, so 宁陵酥梨膏 in 特产 is not a pear), and
- the title holds one of its words: its name before any bracket (朝天椒（三樱椒） gives 朝天椒) and its
  ``keywords`` (comma separated, e.g. "三樱椒"), and none of its excluded words ("-粉": 小麦粉 is
  not wheat).
Only leaves of the variety tree with a category take part (groups such as 蔬菜 carry no price).
When several match, the longest word wins (白萝卜 over 萝卜), then the commodity's sort order.

Category alone cannot decide (30 commodities share 5 categories in the demo) and keywords alone
would call 核桃 a peach (桃): both together are right for the demo's catalogue and easy to steer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.extensions import db

BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class Entry:
    """A commodity as the matcher needs it (plain data, shared between requests of a process)."""

    id: int
    code: str
    name: str
    name_en: str
    unit: str
    category_id: int
    sort_order: int
    words: tuple[str, ...]
    excluded: tuple[str, ...]

    def localized_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name


def words_of(name: str, keywords: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words, excluded words) of a commodity: its name before brackets, then its keywords."""
    base = BRACKETS.sub(" ", name or "").split()
    words, excluded = list(base[:1]), []
    for word in SPLIT.split(keywords or ""):
        if word.startswith("-") and len(word) > 1:
            excluded.append(word[1:])
        elif word and word != "-" and word not in words:
            words.append(word)
    return tuple(words), tuple(excluded)


class Matcher:
    """Commodities by the categories they cover (a category and everything below it)."""

    def __init__(self, entries: list[Entry], parents: dict[int, int | None]):
        self.entries = {e.id: e for e in entries}
        self._parents = parents
        self._own: dict[int, list[Entry]] = {}
        for entry in entries:
            self._own.setdefault(entry.category_id, []).append(entry)
        self._memo: dict[int | None, list[Entry]] = {}

    def candidates(self, category_id: int | None) -> list[Entry]:
        found = self._memo.get(category_id)
        if found is None:
            found, node, seen = [], category_id, set()
            while node is not None and node not in seen:  # up to the root (a cycle stops it)
                seen.add(node)
                found.extend(self._own.get(node, ()))
                node = self._parents.get(node)
            self._memo[category_id] = found
        return found

    def match(self, title: str, category_id: int | None) -> Entry | None:
        best, best_key = None, None
        title = title or ""
        for entry in self.candidates(category_id):
            if any(word in title for word in entry.excluded):
                continue
            length = max((len(w) for w in entry.words if w in title), default=0)
            if length:
                key = (-length, entry.sort_order, entry.id)
                if best_key is None or key < best_key:
                    best, best_key = entry, key
        return best


def load_matcher() -> Matcher:
    """The active leaves with a category, and the category tree's parent links: two statements."""
    from catalog.models import Category
    from prices.models import Commodity

    child = sa.orm.aliased(Commodity)
    has_children = sa.exists().where(child.parent_id == Commodity.id, child.active)
    rows = db.session.execute(sa.select(Commodity.id, Commodity.code, Commodity.name, Commodity.name_en,
                                        Commodity.unit, Commodity.category_id, Commodity.sort_order,
                                        Commodity.keywords)
                              .where(Commodity.active, Commodity.category_id.is_not(None), ~has_children)).all()
    entries = [Entry(r.id, r.code, r.name, r.name_en, r.unit, r.category_id, r.sort_order,
                     *words_of(r.name, r.keywords)) for r in rows]
    parents = dict(db.session.execute(sa.select(Category.id, Category.parent_id)).all())
    return Matcher(entries, parents)
