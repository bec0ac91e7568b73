"""The city page (/regions/): its counties with their specialties (一县一品) and townships, each
linking to its region page (marketplace.regions.pages)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.regions import bp
from marketplace.regions.models import Region
from marketplace.regions.services import counties, home_city


@bp.get("/")
def index():
    county_list = counties()
    if county_list:  # every county's townships in one statement (not one per county)
        below: dict[int, list[Region]] = {c.id: [] for c in county_list}
        for town in db.session.scalars(sa.select(Region).where(Region.parent_id.in_(below))
                                       .order_by(Region.sort_order, Region.code)):
            below[town.parent_id].append(town)
        for county in county_list:
            set_committed_value(county, "children", below[county.id])
    return render_template("regions/index.html", city=home_city(), counties=county_list)
