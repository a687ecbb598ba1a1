"""``flask tracking …`` commands: worker, replay, check."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import held

cli = AppGroup("tracking", help="The tracking pipeline.")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty (tests, cron).")
@click.option("--fork", is_flag=True, help="RQ's forking Worker instead of SimpleWorker.")
@click.option("--name", help="Worker name (default: RQ's).")
@click.option("--metrics-port", type=int, help="Serve this worker's Prometheus metrics on this port.")
def worker_command(burst, fork, name, metrics_port):
    """Run an RQ worker that writes queued tracking events in batches."""
    from .worker import run_worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: without Redis, events are written by the app itself")
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    run_worker(app, burst=burst, fork=fork, name=name)


@cli.command("replay")
def replay_command():
    """Write the spooled events (those the database refused) to the database."""
    from app.progress import progress, summary

    from . import spool

    app, started = current_app._get_current_object(), time.monotonic()
    path = spool.spool_path(app)
    if not spool.pending_bytes(path):
        click.echo(f"nothing to replay ({path} is empty)")
        return
    with progress("replaying spooled events", spool.pending_events(path)) as advance:
        sent = held("tracking", app).spool.replay(wait=True, on_progress=advance)
    left = spool.pending_bytes(path)
    summary(f"replayed {sent} event(s) from {path}" + (f"; {left} bytes left" if left else ""), started)
    if left:
        raise click.ClickException("the database still refuses; the spool is kept (see the log)")


@cli.command("check")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for the row.")
@click.option("--keep", is_flag=True, help="Keep the test og_generations row (seed tracking-check).")
def check_command(timeout, keep):
    """Record a test event through the configured chain, wait for its row, report the transport and latency."""
    from .check import check_pipeline

    report = check_pipeline(current_app._get_current_object(), timeout=timeout, keep=keep)
    redis = report["redis"]
    click.echo(f"transport: {report['transport']}")
    click.echo(f"landed: {'yes' if report['landed'] else 'NO'} in {report['latency_ms']} ms"
               f" (event {report['event_id']})")
    click.echo("redis: " + redis["status"] + (f" ({redis['detail']})" if redis.get("detail") else "")
               + (f"; {redis['queued']} queued, {redis['claimed_batches']} batches claimed"
                  if "queued" in redis else ""))
    click.echo(f"spool: {report['spool_bytes']} bytes waiting in {report['spool_path']}")
    if not report["landed"]:
        hint = ("the database refused it; it is in the spool" if report["transport"] == "spool"
                else "no row yet: is a `flask tracking worker` running, and can it reach the database?")
        raise click.ClickException(f"the test event did not land within {timeout}s: {hint}")
