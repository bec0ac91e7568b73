"""Investment promotion: the project library, investor inquiries and the lead pipeline."""

from flask import Blueprint

bp = Blueprint("investment", __name__, url_prefix="/invest")
