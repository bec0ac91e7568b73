"""The shell's own commands (``flask --app marketplace seed-demo``); domains add theirs through
``marketplace.domains.register(cli=...)``."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """After every domain: ``seed-demo --without`` offers the registered domains' steps."""
    from marketplace import seed, storage_cli

    seed.register(app)
    storage_cli.register(app)
