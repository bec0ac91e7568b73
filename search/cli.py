"""``flask --app marketplace search rebuild|check``: rebuild indexes, find and fix drift."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import with_appcontext

from search.backend import current_backend
from search.spec import registered


def _names(index: str | None) -> list[str]:
    names = sorted(registered())
    if index:
        if index not in names:
            raise click.BadParameter(f"unknown index {index!r}; known: {', '.join(names)}", param_hint="--index")
        return [index]
    return names


def _total(name: str) -> int:
    return len(list(registered()[name].all_ids()))


@click.group("search", help="Search indexes: rebuild them, check them against the database.")
def search_group():
    pass


@search_group.command("rebuild")
@click.option("--index", "index", default=None, help="Only this index (default: all).")
@with_appcontext
def rebuild_command(index: str | None):
    """Build each index anew from the database (searches keep working meanwhile)."""
    for name in _names(index):
        started = time.monotonic()
        with click.progressbar(length=_total(name), label=f"{name}", show_pos=True) as bar:
            count = current_backend().rebuild(name, progress=bar.update)
        elapsed = time.monotonic() - started
        click.echo(f"{name}: {count} documents in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s)")


@search_group.command("check")
@click.option("--index", "index", default=None, help="Only this index (default: all).")
@click.option("--fix", is_flag=True, help="Re-index what is missing or stale and remove extra documents.")
@with_appcontext
def check_command(index: str | None, fix: bool):
    """Report drift between the database and the index: missing, stale and extra documents."""
    drift = False
    for name in _names(index):
        with click.progressbar(length=_total(name), label=f"{name}", show_pos=True) as bar:
            report = current_backend().check(name, fix=fix, progress=bar.update)
        for label, ids in (("missing", report.missing), ("stale", report.stale), ("extra", report.extra)):
            shown = ", ".join(str(i) for i in ids[:20]) + (" ..." if len(ids) > 20 else "")
            click.echo(f"{name}: {label}: {len(ids)}" + (f" ({shown})" if ids else ""))
        if report.ok:
            click.echo(f"{name}: in sync")
        elif report.fixed:
            click.echo(f"{name}: fixed")
        else:
            drift = True
    if drift:
        raise SystemExit(1)


@search_group.group("synonyms", help="The synonym table admins edit at /admin/search/synonyms.")
def synonyms_group():
    pass


@synonyms_group.command("load-defaults")
@with_appcontext
def load_defaults_command():
    """Add the shipped synonym groups the table does not have yet (run it again: it adds nothing)."""
    from search.synonyms import load_defaults

    added = load_defaults()
    for line in added:
        click.echo(f"added: {line}")
    click.echo(f"{len(added)} synonym groups added")


def register(app: Flask) -> None:
    app.cli.add_command(search_group)


@search_group.command("create-rum")
@with_appcontext
def create_rum_command():
    """Create the rum extension and the RUM index of the postgres backend (what migration 0041 does
    when it may): after installing the extension's package, or once a superuser created it."""
    from marketplace.extensions import db
    from search.models import create_rum_index

    with db.engine.begin() as connection:
        made = create_rum_index(connection)
    if not made:
        raise click.ClickException("the rum extension is not available on this database (or may not be created "
                                   "by this user): install postgresql-15-rum, or run CREATE EXTENSION rum as a superuser")
    click.echo("search: RUM index ready (workers use it within 5 minutes)")
