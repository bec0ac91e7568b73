"""Merchant shops: applications, approval, public shop pages, staff."""

from flask import Blueprint

bp = Blueprint("shops", __name__)
