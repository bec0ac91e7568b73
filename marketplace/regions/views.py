"""The city's counties and their specialties (一县一品), each linking to its shops."""

from __future__ import annotations

from flask import render_template

from marketplace.regions import bp
from marketplace.regions.services import counties, home_city


@bp.get("/")
def index():
    return render_template("regions/index.html", city=home_city(), counties=counties())
