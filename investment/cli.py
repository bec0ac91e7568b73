"""``flask --app marketplace invest ...``: demo data and CSV exports for the investment office."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup


def register(app: Flask) -> None:
    group = AppGroup("invest", help="Investment projects, inquiries and leads.")

    @group.command("seed")
    def seed_command() -> None:
        """Add the demo projects and leads (idempotent; needs the regions loaded)."""
        from investment.seed import seed_demo_investment

        result = seed_demo_investment()
        click.echo(f"projects created: {result['projects']}, leads created: {result['leads']}"
                   + (f" ({result['skipped']})" if result.get("skipped") else ""))

    @group.command("export")
    @click.argument("what", type=click.Choice(["projects", "leads"]))
    @click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
    def export_command(what: str, output) -> None:
        """Write the projects or leads CSV (formula cells neutralised)."""
        from investment.services import export

        output.write(export.projects_csv() if what == "projects" else export.leads_csv())

    app.cli.add_command(group)
