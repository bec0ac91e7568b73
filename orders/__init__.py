"""Orders: cart, multi-shop checkout, orders and their status machine, fulfilment."""

from flask import Blueprint

bp = Blueprint("orders", __name__)
