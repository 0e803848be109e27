"""The `fairfield` command: Flask's CLI plus database, admin, demo and ops commands."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from backend.config import BadSetting
from backend.db import get_db, one_snapshot
from backend.errors import DomainError

if TYPE_CHECKING:
    from backend.storage import PhotoStore


def main() -> None:
    """Entry point of the `fairfield` console script."""
    cli = FlaskGroup(create_app=_create_app, help="Fairfield command line.")
    cli.main(prog_name="fairfield")


def _create_app() -> Flask:
    from backend import create_app

    try:
        return create_app()
    except BadSetting as exc:
        # Said plainly and the command stops: a traceback would bury the one line that matters.
        click.secho(f"Error: {exc}", err=True, fg="red")
        sys.exit(1)


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations to the configured database."""
    from backend import migrate

    database = get_db()
    migrate.upgrade(database, revision)
    click.echo(f"database at revision {migrate.current(database)}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (`base` for an empty database)."""
    from backend import migrate

    migrate.downgrade(get_db(), revision)
    click.echo(f"database at revision {migrate.current(get_db())}")


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@with_appcontext
def create_admin(email: str, password: str) -> None:
    """Create an admin, or reset an existing admin's password."""
    from backend.accounts.service import create_or_reset_admin

    try:
        with get_db().transaction() as session:
            user, created = create_or_reset_admin(
                db_session=session, email=email, password=password
            )
    except DomainError as exc:
        _fail(exc)
    click.echo(f"admin {user.email} {'created' if created else 'password reset'}")


@click.command("seed-demo")
@click.option("--stores", default=200, show_default=True, help="Stores per run, split in two.")
@click.option("--seed", default=7, show_default=True, help="Random seed: same seed, same data.")
@with_appcontext
def seed_demo(stores: int, seed: int) -> None:
    """Demo brands, stores around Brussels and Amsterdam, a published campaign, workers."""
    from backend import demo

    with get_db().transaction() as session:
        logins = demo.seed(db_session=session, stores=stores, random_seed=seed, progress=_progress)
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<7} {email}")


@click.command("pipeline-check")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait.")
@with_appcontext
def pipeline_check(timeout: float) -> None:
    """Send a canary task through the outbox and wait until a worker completes it."""
    from backend.ops import service

    with get_db().transaction() as session:
        check = service.request_pipeline_check(db_session=session, requested_by=None)
    click.echo(f"pipeline check {check.id} sent; waiting for a worker")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with get_db().transaction(write=False) as session:
            done = service.get_pipeline_check(db_session=session, check_id=check.id)
        if done.completed_at:
            click.echo(f"completed by {done.worker_hostname} (runs={done.runs})")
            return
        time.sleep(0.5)
    click.echo(f"no worker completed the check within {timeout:.0f} s", err=True)
    sys.exit(1)


@click.group("ledger")
def ledger_group() -> None:
    """Money: check the ledger against everything it must agree with."""


@ledger_group.command("check")
@with_appcontext
def ledger_check() -> None:
    """Re-derive every balance and invariant; exit 1 and list each discrepancy if any."""
    from backend.reconciliation import ledger as check

    found: list[str] = []
    with get_db().transaction(write=False) as session:
        one_snapshot(session)
        check.prepare(session)
        for name, run in check.CHECKS:
            # Progress on stderr, one line per invariant; the findings go to stdout.
            click.echo(f"{name} ... ", nl=False, err=True)
            started = time.monotonic()
            problems = run(session)
            verdict = f"{len(problems)} discrepancies" if problems else "ok"
            click.echo(f"{verdict} ({time.monotonic() - started:.1f} s)", err=True)
            found += problems
        counts = check.summary(db_session=session)
    for problem in found:
        click.echo(problem)
    click.echo("checked " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    if found:
        click.echo(f"ledger check failed: {len(found)} discrepancies", err=True)
        sys.exit(1)
    click.echo("ledger check passed")


@click.group("payouts")
def payouts_group() -> None:
    """Payouts: what is owed to workers and late."""


@payouts_group.command("late")
@with_appcontext
def payouts_late() -> None:
    """List payout requests unpaid past FAIRFIELD_PAYOUT_SLA_DAYS; exit 1 if there are any."""
    from backend.kernel.clock import utcnow
    from backend.payouts import queries as payouts
    from backend.settings import current_settings

    sla_days = current_settings().payout_sla_days
    now = utcnow()
    with get_db().transaction(write=False) as session:
        late = payouts.late_requests(db_session=session, now=now, sla_days=sla_days)
    for payout in late:
        waited = (now - payout.requested_at).days
        click.echo(
            f"{payout.id}  {payout.amount_minor / 100:.2f} {payout.currency}  {payout.status}"
            f"  requested {payout.requested_at.isoformat()} ({waited} days)"
        )
    if late:
        click.echo(f"{len(late)} payout requests late (SLA {sla_days} days)", err=True)
        sys.exit(1)
    click.echo(f"no payout request is late (SLA {sla_days} days)")


@click.command("fairness-report")
@click.option(
    "--out",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for report.json and report.png.",
)
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650))
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
@with_appcontext
def fairness_report(out: Path, days: int, top: int) -> None:
    """Pay per active hour, missions under the floor, delays and rates per campaign."""
    from backend.fairness import chart
    from backend.fairness import queries as fairness
    from backend.fairness import rules as fairness_rules
    from backend.fairness.schemas import FairnessReportOut
    from backend.kernel.clock import utcnow
    from backend.settings import current_settings

    try:
        chart.require_matplotlib()  # before the queries: said at once, not after a minute
    except chart.ChartUnavailable as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(1)
    settings = fairness_rules.settings_from(current_settings())
    with get_db().transaction(write=False) as session:
        one_snapshot(session)
        report = fairness.fairness_report(
            db_session=session,
            now=utcnow(),
            days=days,
            top=top,
            settings=settings,
            progress=lambda step: click.echo(f"{step} ...", err=True),
        )
    out.mkdir(parents=True, exist_ok=True)
    click.echo("writing report.json ...", err=True)
    document = FairnessReportOut().dump(report)
    (out / "report.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    click.echo("drawing report.png ...", err=True)
    (out / "report.png").write_bytes(chart.chart_png(report))
    click.echo(f"fairness report for the last {days} days written to {out}")


@click.group("photos")
def photos_group() -> None:
    """The photo store."""


@photos_group.command("copy-to-s3")
@click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    help="The local photo folder (default: FAIRFIELD_PHOTO_DIR).",
)
@with_appcontext
def photos_copy_to_s3(source: Path | None) -> None:
    """Copy the local photo folder (photos and derived copies) into FAIRFIELD_S3_BUCKET.

    Resumable: run it again after a cut, it skips what is in the bucket with the right
    checksum. Switch FAIRFIELD_PHOTO_STORE to s3 once it reports nothing left to copy."""
    from backend.settings import current_settings
    from backend.storage import LocalPhotoStore
    from backend.storage.s3 import bucket_store
    from backend.storage.to_bucket import copy_to_bucket, files_to_copy

    settings = current_settings()
    if not settings.s3_bucket:
        raise click.UsageError("Set FAIRFIELD_S3_BUCKET (and FAIRFIELD_S3_ENDPOINT_URL) first.")
    local = LocalPhotoStore(source or settings.photo_dir)
    target = bucket_store(settings.s3_bucket, settings.s3_endpoint_url)
    total = sum(1 for _ in files_to_copy(local))
    with _progress(f"copying to {settings.s3_bucket}", total) as bar:
        report = copy_to_bucket(local, target, step=lambda: bar.update(1))
    click.echo(
        f"{report.copied} copied, {report.present} already there, "
        f"{len(report.damaged)} damaged (not copied)"
    )
    for key in report.damaged:
        click.echo(f"  damaged: {key} does not hash to its name", err=True)
    if report.damaged:
        sys.exit(1)


_PG_BIN = click.option(
    "--pg-bin",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of pg_dump and pg_restore (default: PATH, then /usr/lib/postgresql/*/bin).",
)


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--photos/--no-photos",
    default=True,
    show_default=True,
    help="Copy the photos too; --no-photos where the bucket keeps them (versioning, replication).",
)
@_PG_BIN
@with_appcontext
def backup(folder: Path, photos: bool, pg_bin: str | None) -> None:
    """Copy the database and every stored photo into FOLDER (new or empty)."""
    from backend import migrate
    from backend.ops import backup as backups
    from backend.storage import photo_store

    database = get_db()
    try:
        manifest = backups.backup(
            folder=folder,
            database=database,
            revision=migrate.current(database),
            store=photo_store() if photos else None,
            pg_bin=pg_bin,
        )
    except backups.BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    copied = "no photos" if manifest.photos is None else f"{manifest.photos} photos"
    click.echo(
        f"backup of the {manifest.database} database (revision {manifest.revision}) and "
        f"{copied} written to {folder}"
    )


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--erasure-log",
    "erasure_logs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of erasure log files (repeat for each node's); "
    "default FAIRFIELD_ERASURE_LOG_DIR.",
)
@_PG_BIN
@with_appcontext
def restore(folder: Path, erasure_logs: tuple[Path, ...], pg_bin: str | None) -> None:
    """Restore a backup into the configured (empty) database and photo store, then make
    again every erasure logged since the backup."""
    from backend import migrate
    from backend.ops import backup as backups
    from backend.settings import current_settings
    from backend.storage import photo_store

    database, store = get_db(), photo_store()
    folders = erasure_logs or (Path(current_settings().erasure_log_dir),)
    # Checked before anything is restored: without the log, erased workers would come back.
    for missing in [f for f in folders if not f.is_dir()]:
        click.echo(f"error: no erasure log at {missing}: give it with --erasure-log", err=True)
        sys.exit(1)
    try:
        manifest = backups.restore_database(folder=folder, database=database, pg_bin=pg_bin)
    except backups.BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    migrate.upgrade(database, "head")
    copied = backups.restore_photos(folder=folder, store=store)
    photos = "no photos (the store as it stands)" if copied is None else f"{copied} photos"
    made = _make_erasures_again(folders, since=manifest.started_at, store=store)
    click.echo(
        f"restored the database of {manifest.started_at.isoformat()} and {photos}; "
        f"{made} erasures made since then made again"
    )


def _make_erasures_again(folders: tuple[Path, ...], *, since: datetime, store: PhotoStore) -> int:
    """Every erasure the log files hold from `since` on and the database lacks, made again,
    each in its own transaction; how many."""
    from backend.erasures import log as erasure_log
    from backend.kernel.clock import utcnow
    from backend.privacy.reapply import reapply_erasure

    if not any(any(folder.glob(erasure_log.FILE_GLOB)) for folder in folders):
        shown = ", ".join(map(str, folders))
        click.echo(
            f"warning: no erasure log file in {shown}; if anyone was erased since the backup, "
            "restore again into an empty database with --erasure-log naming the folders that "
            "hold their files",
            err=True,
        )
    made = 0
    for line in erasure_log.read_lines(folders, since=since):
        with get_db().transaction() as session:
            made += reapply_erasure(db_session=session, line=line, store=store, now=utcnow())
    return made


def _progress(label: str, total: int) -> Any:
    return click.progressbar(length=total, label=label, file=sys.stderr)


def _fail(exc: DomainError) -> None:
    click.echo(f"error: {exc.detail}", err=True)
    for field, messages in exc.errors.items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(2)


def register_cli(app: Flask) -> None:
    from backend.stores.cli import stores_group

    for command in (
        db_group,
        create_admin,
        seed_demo,
        pipeline_check,
        stores_group,
        ledger_group,
        payouts_group,
        fairness_report,
        backup,
        restore,
        photos_group,
    ):
        app.cli.add_command(command)
