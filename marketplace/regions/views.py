"""The city's counties and their specialties (一县一品), each linking to its shops."""

from __future__ import annotations

from flask import render_template

from marketplace.extensions import db
from marketplace.regions import bp
from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import counties


@bp.get("/")
def index():
    city = db.session.scalar(db.select(Region).where(Region.level == RegionLevel.CITY).order_by(Region.code))
    return render_template("regions/index.html", city=city, counties=counties())
