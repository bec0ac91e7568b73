"""The orders fixtures (addresses, carts, placing an order) for the fuzzing's seeded world."""

from tests.orders.conftest import make_address, place, user_cart  # noqa: F401  (fixtures, by name)
