"""``flask --app marketplace regions load [FILE]``: load or refresh the city's regions."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

regions_cli = AppGroup("regions", help="The city's regions (county > township > village).")


@regions_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def load_command(path: str | None) -> None:
    """Load FILE (default: the configured CITY_REGIONS_FILE). Safe to run again: upsert by code."""
    from marketplace.regions.services import RegionFileError, load_regions, read_regions_file

    path = path or current_app.config["CITY_REGIONS_FILE"]
    try:
        total = len(read_regions_file(path))
        with click.progressbar(length=total, label=f"Loading {total} regions") as bar:
            result = load_regions(path, progress=bar.update)
    except RegionFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged.")


def register(app: Flask) -> None:
    app.cli.add_command(regions_cli)
