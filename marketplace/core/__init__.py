"""Site-wide pages: home, media files."""

from flask import Blueprint

bp = Blueprint("core", __name__)
