"""Command-line interface: ``flask --app marketplace ...``."""

from __future__ import annotations

from flask import Flask

#: Modules that define a ``register(app)`` adding their click commands.
CLI_MODULES = [
    "marketplace.accounts.cli",
    "marketplace.regions.cli",
    "marketplace.mail.cli",
    "marketplace.seed",
    "catalog.cli",
    "catalog.search_cli",
    "orders.cli",
    "payments.cli",
    "investment.cli",
]


def register_cli(app: Flask) -> None:
    from marketplace import _import_optional

    for name in CLI_MODULES:
        module = _import_optional(name)
        if module is not None:
            module.register(app)
