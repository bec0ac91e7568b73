"""Platform administration: merchant queue, shops, users, outbox, audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
