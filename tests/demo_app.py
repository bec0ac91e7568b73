"""The whole seeded demo, once per test process, in a database of its own.

Seeding the demo is the slowest thing the suite does (half a minute to a minute, every domain's
steps); the tests that read the demo (tests/marketplace/test_demo_data.py and the domains' demo
tests) and the one that seeds it a second time share one seeding per pytest-xdist worker. Its own
database (a SQLite file, or ``<test database>_demo`` on PostgreSQL) keeps it out of the other
tests' way: they empty their tables after every test, the demo stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace import create_app
from marketplace.extensions import db
from tests.db_reset import ensure_database, fresh_schema


def demo_database_url(test_url: str, folder: Path) -> str:
    """Beside the test database: a file in ``folder``, or a PostgreSQL database named after it."""
    if test_url.startswith("sqlite"):
        return f"sqlite:///{folder / 'demo.db'}"
    base = sa.engine.make_url(test_url)
    return ensure_database(base, f"{base.database}_demo")


def seeded_demo_app(test_url: str, make_config: Callable[[str, Path], dict],
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose database holds the whole seeded demo; ``app.seed_results`` what the seed said."""
    from marketplace.seed import seed_demo

    folder = tmp_path_factory.mktemp("demo")
    app = create_app(make_config(demo_database_url(test_url, folder), folder))
    with app.app_context():
        fresh_schema()
        app.seed_results = dict(seed_demo(show_progress=False))
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
