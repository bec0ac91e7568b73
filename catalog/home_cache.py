"""The home page's blocks, chosen ahead of time: the category tree, the featured products and the
一县一品 county tiles.

The expensive part of each block is *choosing* what to show (the newest products with a photo and
stock, at most two per shop; each county's newest listings that match its specialties: 50-100 ms
at 100,000 products). That choice is made by the job ``catalog.refresh_home`` (``refresh()``) and
stored in ``home_blocks``, one row per block — the featured products and one per county — with
spare candidates; a home request never makes it. The job is started after a commit that changed
the catalogue (the "catalog" cache group was bumped), at most once per ``HOME_REFRESH_SECONDS`` (a
burst of edits or an import starts it once); a change inside that window is picked up by the next
home view after it (which starts the job, and is served the stored choice meanwhile) or by the
job's periodic run (every minute, a no-op when nothing changed). The job compares the catalogue's
version with the one the stored choice was made from, so starting it twice costs one statement.

What a request does: the stored choice (from the shared cache under the "home" group, bumped when
the job writes the table, else one statement), then the chosen products' card columns re-read by
id in one statement with the public filter (``cards``: plain rows, no ORM objects) — so a product hidden, deleted or whose shop was suspended a
second ago never shows, a featured one that sold out is left out, and a spare takes its place —,
and the category tree (cached under the "categories" group: product edits do not rebuild it).
Two statements at most, whatever the catalogue's size, none of them a choice.

A fresh install (no row yet) or a job that has not run yet is served a choice made in the request
(cached under the catalogue's version, as before) while the job is started.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from catalog import queries
from catalog.cards import Snapshot, cards_by_id
from catalog.models import Category, HomeBlock, Product, ProductImage, Variant
from marketplace.cache import cached, claim, known, on_bump, version, watch
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.shops.models import Shop

log = logging.getLogger(__name__)

GROUP = "catalog"
#: The category tree's own group: product edits (the catalogue's daily churn) do not rebuild it.
TREE_GROUP = "categories"
#: Bumped when home_blocks changes (the job's commit): the stored choice is cached under it.
HOME_GROUP = "home"
TIMEOUT = 60
JOB = "catalog.refresh_home"

FEATURED = 12
PER_COUNTY = 4
#: Candidates stored per block, as a multiple of what it shows: spares for products hidden or sold out
#: between two runs of the job.
SPARE = 2

watch(GROUP, Category, Shop, Region, ProductImage)
watch(GROUP, Product, Variant, bulk=False)
watch(TREE_GROUP, Category)
watch(HOME_GROUP, HomeBlock)


def _snap(row, *names: str) -> Snapshot:
    return Snapshot(**{n: getattr(row, n) for n in names})


_CATEGORY_COLUMNS = ("id", "code", "name", "name_en", "path", "parent_id", "sort_order", "active")
_COUNTY_COLUMNS = ("id", "code", "name", "name_en", "specialties")


def category_tree(active_only: bool = True) -> list[tuple[Snapshot, list[Snapshot]]]:
    """categories.tree() as snapshots, cached until a category changes."""
    from catalog.categories import tree

    def build():
        return [(_snap(root, *_CATEGORY_COLUMNS), [_snap(c, *_CATEGORY_COLUMNS) for c in children])
                for root, children in tree(active_only)]

    return cached(TREE_GROUP, f"tree:{int(active_only)}", build, TIMEOUT)


def category_index() -> dict[str, Snapshot]:
    """Every active category by code, as snapshots with ``parent`` (a snapshot or None), ``children``
    (the active ones, in order) and ``descendants`` (its id and those of every category below it,
    active or not, as categories.descendant_ids gives), cached until a category changes: a category
    page reads no category row (three statements before: the category, the tree's ids, its children)."""

    def build():
        rows = db.session.execute(sa.select(*(getattr(Category, n) for n in _CATEGORY_COLUMNS))
                                  .order_by(Category.sort_order, Category.id)).all()
        snaps = {row.id: _snap(row, *_CATEGORY_COLUMNS) for row in rows}
        below: dict[int | None, list[int]] = {}
        for row in rows:
            below.setdefault(row.parent_id, []).append(row.id)
        for snap in snaps.values():
            snap.parent = snaps.get(snap.parent_id)
            snap.children = [snaps[c] for c in below.get(snap.id, []) if snaps[c].active]
            ids, todo = [], [snap.id]
            while todo:
                cid = todo.pop()
                ids.append(cid)
                todo.extend(below.get(cid, []))
            snap.descendants = ids
        return {snap.code: snap for snap in snaps.values() if snap.active}

    return cached(TREE_GROUP, "index", build, TIMEOUT)


# --- the choice (what the job computes) --------------------------------------------------------

def choose() -> dict:
    """The home page's choice from the current catalogue, with spares: {"featured": ids, "counties":
    [{"county": columns, "specialties": [[label, term], ...], "ids": [...], "fallback": bool}]}.
    Plain JSON, stored as it is (home_blocks) or cached."""
    featured = [p.id for p in queries.featured(FEATURED * SPARE)]
    counties = [{"county": {n: getattr(county, n) for n in _COUNTY_COLUMNS},
                 "specialties": [[m.label, m.term] for m in matches], "ids": ids, "fallback": fallback}
                for county, matches, ids, fallback in queries.county_specialties(PER_COUNTY * SPARE)]
    return {"featured": featured, "counties": counties}


def refresh(force: bool = False) -> str:
    """The job ``catalog.refresh_home``: choose again and store the choice, unless the stored one was
    made from the catalogue as it is ("fresh"). Several processes may run it at once: the one whose
    rows land first wins, the others' inserts fail on the key and change nothing."""
    current = version(GROUP)
    if not known(current) and not force:
        return "unknown"  # Redis down: freshness cannot be judged; the next periodic run will
    if not force:
        stored = db.session.scalar(sa.select(HomeBlock.source_version).where(HomeBlock.key == "featured"))
        if stored == current:
            return "fresh"
    choice = choose()
    now = utcnow()
    rows = [{"key": "featured", "position": 0, "payload": {"ids": choice["featured"]}}]
    rows += [{"key": f"county:{block['county']['code']}", "position": n, "payload": block}
             for n, block in enumerate(choice["counties"], start=1)]
    try:
        db.session.execute(sa.delete(HomeBlock))
        db.session.execute(sa.insert(HomeBlock), [{**row, "source_version": current, "built_at": now} for row in rows])
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        log.info("home blocks: another process stored its choice first")
        return "raced"
    return "built"


def request_refresh() -> None:
    """Start the job, at most once per ``HOME_REFRESH_SECONDS`` (0: every time)."""
    from marketplace.jobs import dispatch

    seconds = int(current_app.config.get("HOME_REFRESH_SECONDS", 10))
    if seconds <= 0 or claim("home-refresh", seconds):
        dispatch(JOB)


def install() -> None:
    """Start the job after every commit that changed the catalogue (see the module's doc)."""
    on_bump(GROUP, request_refresh)


# --- the request path -------------------------------------------------------------------------

def _stored() -> dict | None:
    """The stored choice as ``choose()`` returns it, with its source version; None when there is none."""

    def read():
        rows = db.session.execute(sa.select(HomeBlock.key, HomeBlock.payload, HomeBlock.source_version)
                                  .order_by(HomeBlock.position)).all()
        featured = next((row for row in rows if row.key == "featured"), None)
        if featured is None:
            return {}
        return {"featured": featured.payload["ids"], "source_version": featured.source_version,
                "counties": [row.payload for row in rows if row.key.startswith("county:")]}

    return cached(HOME_GROUP, "blocks", read, 3600) or None


def choice() -> dict:
    """What the page shows, before the rows are read: the stored choice, else one made now (a fresh
    install, a job not run yet), cached under the catalogue's version; either way the job is started
    when the stored choice is missing or older than the catalogue."""
    stored = _stored()
    current = version(GROUP)
    # Redis down (the version unknown): the stored choice is served as it is, and no job started
    # for a freshness that cannot be judged; the periodic run catches up once Redis answers.
    if (stored is None or stored["source_version"] != current) and known(current):
        request_refresh()
    if stored is None:
        return cached(GROUP, "home:choice", choose, TIMEOUT)
    return stored


def _tiles(blocks: list[dict], products: dict[int, Snapshot], per_county: int):
    out = []
    for block in blocks:
        items = [products[i] for i in block["ids"] if i in products]
        items.sort(key=lambda p: not p.in_stock)  # in stock first, as chosen (sold out since: after)
        out.append((Snapshot(**block["county"]), [Snapshot(label=label, term=term) for label, term in block["specialties"]],
                    items[:per_county], block["fallback"]))
    return out


def home_blocks() -> dict:
    """The home page's blocks (marketplace.domains.add_blocks "home"): the choice's cards, kept under
    the catalogue's version and the stored choice's ("home"), so a home request reads no product row
    until either changes — every change a card shows (an edit, a hidden product, a suspended shop, a
    sell-out) bumps the catalogue's version, as it does for the page cache."""

    chosen = choice()  # from the cache; starts the job when the stored choice is older than the catalogue

    def build():
        ids = list(chosen["featured"]) + [i for block in chosen["counties"] for i in block["ids"]]
        products = cards_by_id(ids)
        featured = [products[i] for i in chosen["featured"] if i in products and products[i].in_stock][:FEATURED]
        return {"featured_products": featured, "county_specialties": _tiles(chosen["counties"], products, PER_COUNTY)}

    home = version(HOME_GROUP)
    blocks = cached(GROUP, f"home-blocks:{home}", build, TIMEOUT) if known(home) else build()
    return {"category_tree": category_tree(), **blocks}


def featured(limit: int = FEATURED) -> list[Snapshot]:
    return home_blocks()["featured_products"][:limit]


def county_specialties(per_county: int = PER_COUNTY) -> list[tuple[Snapshot, list[Snapshot], list[Snapshot], bool]]:
    """Per county: (the county, its specialties as snapshots with ``label`` and ``term`` — the word a
    link to the search page uses, None when nothing matched —, the products shown, fallback?)."""
    chosen = choice()
    products = cards_by_id([i for block in chosen["counties"] for i in block["ids"]])
    return _tiles(chosen["counties"], products, min(per_county, PER_COUNTY * SPARE))


__all__ = ["category_tree", "featured", "county_specialties", "home_blocks", "Snapshot", "refresh",
           "request_refresh", "choose", "install"]
