"""The catalogue: categories, products, variants, price tiers, photos, search."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)
