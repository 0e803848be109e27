"""`fairfield stores ...`: store commands for operators."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

from backend.db import get_db
from backend.errors import DomainError
from backend.stores import service


@click.group("stores")
def stores_group() -> None:
    """Stores: bulk import."""


@stores_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--brand", "brand", required=True, help="The brand's name or id.")
@with_appcontext
def import_command(file: str, brand: str) -> None:
    """Create or update a brand's stores from a CSV FILE (same format as POST /stores/import)."""
    try:
        with get_db().transaction() as session, open(file, "rb") as raw:
            found = service.find_brand(db_session=session, name_or_id=brand)
            if found is None:
                raise click.UsageError(f"no brand with name or id {brand!r}")
            size = os.fstat(raw.fileno()).st_size
            with click.progressbar(length=size, label="stores", file=sys.stderr) as bar:

                def progress(_lines: int) -> None:
                    bar.update(raw.tell() - bar.pos)

                result = service.import_stores_csv(
                    db_session=session, brand_id=found.id, stream=raw, progress=progress
                )
    except DomainError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        for field, messages in exc.errors.items():
            click.echo(f"  {field}: {'; '.join(messages)}", err=True)
        sys.exit(2)
    for error in result.errors:
        click.echo(f"line {error['line']}: {error['message']}", err=True)
    if result.error_count > len(result.errors):
        click.echo(f"... and {result.error_count - len(result.errors)} more", err=True)
    click.echo(
        f"created {result.created}, updated {result.updated}, "
        f"{result.error_count} bad line{'s' if result.error_count != 1 else ''}"
    )
