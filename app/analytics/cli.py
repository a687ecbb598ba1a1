"""``flask alerts check``, ``flask cleanup``, ``flask cleanup-images`` and ``flask history export``.

Run the periodic ones from cron (see docs/history.md), e.g. every minute
``flask alerts check`` and nightly ``flask cleanup``.
"""

import sys
import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.models.types import utcnow
from app.progress import progress, summary
from app.rollup import refresh
from app.storage import get_storage

from . import alerts, exports, retention

cli = AppGroup("history", help="The ledger: exports, hourly rollups.")
alerts_cli = AppGroup("alerts", help="Alert rules over the generation logs: error rate, p95 latency, cost spike, rate limits.")


@alerts_cli.command("check")
def check_alerts_command():
    """Evaluate the alert rules, record firings/resolutions, call the webhook."""
    changes = alerts.check_alerts(current_app.config)
    for event in changes:
        click.echo(f"{event.status}: {event.rule} ({event.message})")
    active = alerts.active_alerts()
    click.echo(f"{len(active)} alert(s) firing: {', '.join(e.rule for e in active) or 'none'}")


@click.command("cleanup")
@with_appcontext
@click.option("--days", type=click.IntRange(min=1), help="Override RETENTION_DAYS.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def cleanup_command(days, dry_run):
    """Delete generation logs, OG generations and prompt usage older than RETENTION_DAYS."""
    config, started = current_app.config, time.monotonic()
    days = days or config["RETENTION_DAYS"]
    expired = retention.purge_expired_events(days, dry_run=True)
    counts = expired
    if not dry_run:
        with progress("deleting expired events", sum(expired.values())) as advance:
            counts = retention.purge_expired_events(days, batch_size=config["CLEANUP_BATCH_SIZE"],
                                                    on_progress=advance)
    verb = "would delete" if dry_run else "deleted"
    for table, count in counts.items():
        click.echo(f"{verb} {count} {table} row(s) older than {days} days")
    summary(f"cleanup: {verb} {sum(counts.values())} row(s) in {len(counts)} tables", started)


@click.command("cleanup-images")
@with_appcontext
@click.option("--older-than-days", type=click.IntRange(min=1), help="Override IMAGE_RETENTION_DAYS.")
@click.option("--dry-run", is_flag=True, help="List the images that would go; delete nothing.")
def cleanup_images_command(older_than_days, dry_run):
    """Delete images older than IMAGE_RETENTION_DAYS that no post or favorite uses (files too)."""
    days = older_than_days or current_app.config["IMAGE_RETENTION_DAYS"]
    if not days:
        raise click.ClickException("image cleanup is off: set IMAGE_RETENTION_DAYS or pass --older-than-days")
    if dry_run:
        rows = retention.list_unused_images(days)
        for row in rows:
            click.echo(f"{row.id}\t{row.created_at.isoformat()}\t{row.storage_key or ''}")
        click.echo(f"{len(rows)} image(s) would be deleted", err=True)
        return
    started = time.monotonic()
    with progress("deleting unused images", retention.count_unused_images(days)) as advance:
        images, files = retention.delete_unused_images(days, get_storage(), on_progress=advance)
    summary(f"deleted {images} image(s) and {files} file(s) older than {days} days", started)


@cli.command("export")
@click.argument("kind", type=click.Choice(sorted(exports.TABLES)))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "json"]), default="csv")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
def export_command(kind, fmt, days):
    """Write an export of the last DAYS days to standard output."""
    until, started = utcnow(), time.monotonic()
    since = until - timedelta(days=days)
    total = exports.count_rows(kind, since, until)
    # The rows go to stdout; the bar to stderr, and only when stdout is a file or a pipe.
    with progress(f"exporting {kind}", 0 if sys.stdout.isatty() else total, stream=sys.stderr) as advance:
        for chunk in exports.stream_export(kind, fmt, since, until):
            sys.stdout.write(chunk)
            advance(exports.BATCH_ROWS)
    summary(f"exported {total} {kind} row(s) as {fmt}", started, err=True)


@cli.command("rollup")
@click.option("--rebuild", is_flag=True, help="Forget every rollup first and roll up all rows again.")
def rollup_command(rebuild):
    """Roll up the complete hours and recompute the dirty ones (run every minute from cron)."""
    started = time.monotonic()
    if rebuild:
        refresh.forget_rollups()
    with progress("rolling up", len(refresh.SOURCES)) as advance:
        rolled = refresh.refresh_rollups(on_progress=advance)
    for source, hours in rolled.items():
        click.echo(f"{source}: {hours} hour(s) rolled up")
    summary(f"rollup: {sum(rolled.values())} hour(s) in {len(rolled)} sources", started)


TOP_LEVEL_COMMANDS = (alerts_cli, cleanup_command, cleanup_images_command)
