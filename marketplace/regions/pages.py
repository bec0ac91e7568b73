"""Region pages: /regions/<code> for every county, township and village of the city, and the
editor of a region's column.

The shell renders the page and imports no domain: the catalogue, sourcing and prices add their
blocks with ``add_blocks(app, "region", provider)``; each provider gets a :class:`RegionView` and
returns a ``marketplace.domains.Panel`` (or a list, or None), see ``marketplace.domains.block_panels``.
What the page itself costs is fixed: its chain from the city down (one statement; which regions it
holds is kept until the tree changes); the columns along the chain and the photos, the children
and a county's villages are kept in the cache until they change.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.cache import cached
from marketplace.domains import block_panels
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.regions import bp, columns
from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import GROUP, ancestors, home_city, home_city_code
from marketplace.web import page_arg


@dataclass(frozen=True)
class RegionView:
    """What a block provider is told about the page's region."""

    region: Region
    #: The county it is in (itself for a county).
    county: Region
    #: The division-code prefix of the region and everything below it ("411424" for 柘城县).
    prefix: str
    #: The specialties the page goes by: its column's line, else the nearest ancestor's (a township's
    #: column, the county's 一县一品 from the regions file), e.g. "三樱椒/朝天椒、大蒜".
    specialties: str
    #: The page of the main list (the products) asked for.
    page: int


def _page_chain(code: str) -> list[Region]:
    """The chain of the region of ``code`` (a county, township or village of the city: a 404 for any
    other code), from the city down to it, in one statement: which regions it holds is kept in the
    regions cache group until the tree changes (the code's look-up, the city's and the walk up were
    three statements on every region page). Each region's parent is set from the chain."""
    if not code.isdigit() or len(code) > 12:
        abort(404)
    ids = cached(GROUP, f"page-chain:{code}", lambda: _chain_ids(code))
    rows = {r.id: r for r in db.session.scalars(sa.select(Region).where(Region.id.in_(ids)))} if ids else {}
    if not ids or len(rows) != len(ids):
        abort(404)
    chain = [rows[i] for i in ids]
    for parent, child in itertools.pairwise(chain):
        set_committed_value(child, "parent", parent)
    return chain


def _chain_ids(code: str) -> list[int]:
    """The ids of ``_page_chain`` (empty: the code has no page here)."""
    city = home_city()
    region = db.session.scalar(sa.select(Region).where(Region.code == code))
    if region is None or city is None or region.level not in columns.COLUMN_LEVELS:
        return []
    chain = list(ancestors(region))
    if not any(r.id == city.id for r in chain):
        return []  # a county of another city: in the database for addresses, not a page here
    return [r.id for r in chain if r.depth >= city.depth]


def _specialties(chain: list[Region], cols: dict) -> str:
    for region in reversed(chain):
        column = cols.get(region.id)
        if column is not None and column.specialties:
            return column.specialties
        if region.specialties:
            return region.specialties
    return ""


def _below(region: Region) -> tuple[list[Region], dict[int, list[Region]]]:
    """The region's children, and for a county its townships' villages (two statements at most)."""
    children = list(db.session.scalars(sa.select(Region).where(Region.parent_id == region.id)
                                       .order_by(Region.sort_order, Region.code)))
    villages: dict[int, list[Region]] = {}
    if region.level == RegionLevel.COUNTY and children:
        for village in db.session.scalars(sa.select(Region).where(Region.parent_id.in_([c.id for c in children]))
                                          .order_by(Region.sort_order, Region.code)):
            villages.setdefault(village.parent_id, []).append(village)
    return children, villages


def _below_html(region: Region) -> Markup:
    """The region's townships and villages as HTML (templates/regions/_below.html): a county's ~800
    links cost two statements and ~60 ms of rendering, so they are kept per region and language
    until the region tree changes (the regions cache group)."""

    def render() -> str:
        children, villages = _below(region)
        return render_template("regions/_below.html", region=region, children=children, villages=villages)

    return Markup(cached(GROUP, f"below:{region.id}:{current_locale_code()}", render))  # noqa: S704 - our own template


@bp.get("/<code>")
def page(code: str):
    if code == home_city_code():
        return redirect(url_for("regions.index"))
    chain = _page_chain(code)
    region = chain[-1]
    cols, photos = columns.page_columns(chain)
    county = next(r for r in chain if r.level == RegionLevel.COUNTY)
    view = RegionView(region=region, county=county, prefix=region.code, specialties=_specialties(chain, cols), page=page_arg())
    return render_template("regions/page.html", region=region, chain=chain, column=cols.get(region.id),
                           photos=photos, below=_below_html(region),
                           specialties=view.specialties, panels=block_panels(current_app, "region", view),
                           can_edit=columns.can_edit(current_user, region))


def _editable_or_abort(code: str) -> Region:
    """The region whose column ``current_user`` may edit: 403 for someone who keeps no column,
    404 for a region that is not his (or has no page)."""
    if not columns.is_clerk(current_user):
        abort(403)
    region = _page_chain(code)[-1]
    if not columns.can_edit(current_user, region):
        abort(404)
    return region


@bp.route("/<code>/column", methods=["GET", "POST"])
@login_required
def edit_column(code: str):
    region = _editable_or_abort(code)
    column = columns.column_of(region)
    errors: dict[str, list[str]] = {}
    values = {"specialties": column.specialties if column else "", "text": column.text if column else ""}
    if request.method == "POST":
        values = {"specialties": request.form.get("specialties", ""), "text": request.form.get("text", "")}
        try:
            columns.save(region, current_user, specialties=values["specialties"], text=values["text"],
                         uploads=request.files.getlist("photos"), remove_ids=request.form.getlist("remove"))
        except columns.ColumnError as exc:
            errors = exc.errors or {"photos": [exc.message]}
            flash(exc.message, "error")
        else:
            flash(_("专栏已保存"), "success")
            return redirect(url_for("regions.page", code=region.code))
    return render_template("regions/column_form.html", region=region, values=values, errors=errors,
                           photos=columns.photos_of(region), history=columns.history_of(region),
                           max_photos=current_app.config["REGION_MAX_PHOTOS"]), 400 if errors else 200


@bp.get("/columns/mine")
@login_required
def my_columns():
    """A clerk's way in: his region's column (several: a list)."""
    regions = columns.clerk_regions(current_user)
    if len(regions) == 1:
        return redirect(url_for("regions.edit_column", code=regions[0].code))
    if not regions and not columns.is_officer(current_user):
        abort(403)
    return render_template("regions/my_columns.html", regions=regions)
