"""Regions of the city: a hierarchy loaded from a data file."""

from flask import Blueprint

bp = Blueprint("regions", __name__, url_prefix="/regions")
