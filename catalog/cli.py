"""``flask --app marketplace catalog ...``: categories, CSV import/export, demo products."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

catalog_cli = AppGroup("catalog", help="The product catalogue: categories, CSV import and export.")


def _shop(slug: str):
    from marketplace.extensions import db
    from marketplace.shops.models import Shop

    shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug))
    if shop is None:
        slugs = ", ".join(db.session.scalars(sa.select(Shop.slug).order_by(Shop.slug).limit(20)))
        raise click.ClickException(f"No shop with slug {slug!r}. Known shops: {slugs or '(none: run seed-demo?)'}")
    return shop


@catalog_cli.command("load-categories")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def load_categories_command(path: str | None) -> None:
    """Create the categories of FILE (default: catalog/data/categories.json) that do not exist yet."""
    from catalog.categories import load_categories

    created = load_categories(path)
    click.echo(f"{created} categories created.")


@catalog_cli.command("load-units")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def load_units_command(path: str | None) -> None:
    """Add the units of FILE (default: catalog/data/units.json) whose codes are missing."""
    from catalog.units import load_default_units

    click.echo(f"{load_default_units(path)} units added.")


@catalog_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--shop", "slug", required=True, help="The shop's slug (see the shop's page URL).")
@click.option("--dry-run", is_flag=True, help="Check every row and report; change nothing.")
@click.option("--images", "zip_path", type=click.Path(exists=True, dir_okay=False),
              help="A zip with the photos named in the CSV's images column.")
def import_command(csv_file: str, slug: str, dry_run: bool, zip_path: str | None) -> None:
    """Import CSV_FILE (a CSV or an .xlsx workbook) into a shop's catalogue: all rows or none; re-importing updates."""
    from catalog.csv_io import CsvFileError, import_csv

    shop = _shop(slug)
    data = Path(csv_file).read_bytes()
    zip_data = Path(zip_path).read_bytes() if zip_path else None
    try:
        preview = import_csv(shop, None, data, zip_data=zip_data, dry_run=True, filename=csv_file)
    except CsvFileError as exc:
        raise click.ClickException(f"{csv_file}: {exc}") from None
    if not preview.ok:
        for e in preview.errors:
            click.echo(f"  row {e.row} [{e.column}]: {e.message}", err=True)
        raise click.ClickException(f"{len(preview.errors)} problem(s) in {len({e.row for e in preview.errors})} "
                                   "row(s); nothing was imported. Fix these rows in the spreadsheet and run "
                                   "the command again (add --dry-run to check without importing).")
    summary = (f"{preview.products_created} products to create, {preview.products_updated} to update; "
               f"{preview.variants_created} variants to create, {preview.variants_updated} to update.")
    if dry_run:
        click.echo(f"Dry run: {len(preview.rows)} rows OK. {summary} Nothing was changed.")
        return
    with click.progressbar(length=len(preview.rows), label=f"Importing {len(preview.rows)} rows") as bar:
        report = import_csv(shop, None, data, zip_data=zip_data, progress=bar.update)
    if not report.ok:
        for e in report.errors:
            click.echo(f"  row {e.row} [{e.column}]: {e.message}", err=True)
        raise click.ClickException("Nothing was imported (rolled back). Fix the rows above and run it again.")
    click.echo(f"Imported into {shop.slug}: {report.products_created} products created, {report.products_updated} "
               f"updated; {report.variants_created} variants created, {report.variants_updated} updated; "
               f"{report.images_added} photos added.")


@catalog_cli.command("export")
@click.option("--shop", "slug", required=True, help="The shop's slug.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default stdout).")
def export_command(slug: str, output: str | None) -> None:
    """Write a shop's catalogue as CSV in the import format (UTF-8 with BOM, formulas neutralised)."""
    from catalog.csv_io import export_csv

    data = export_csv(_shop(slug))
    if output:
        Path(output).write_bytes(data)
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.get_binary_stream("stdout").write(data)


@catalog_cli.command("seed")
def seed_command() -> None:
    """Add the demo products to the demo shops (run seed-demo first for the shops). Idempotent."""
    from catalog.seed import seed_demo_catalog

    count = 0

    def progress(n=1, *args, **kwargs):
        nonlocal count
        count += n if isinstance(n, int) else 1
        if count % 50 == 0:
            click.echo(f"  {count} products ...", err=True)

    click.echo(seed_demo_catalog(progress=progress))


def register(app: Flask) -> None:
    app.cli.add_command(catalog_cli)
