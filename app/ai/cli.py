"""``flask ai …`` commands."""

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("ai", help="AI generation, datasets, storage.")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no fork per job).")
def worker(burst, simple):
    """Run an RQ worker for the generation queue (GENERATION_QUEUE, default "generation")."""
    import redis
    from rq.serializers import JSONSerializer

    from app.extensions import db

    from .worker import GenerationSimpleWorker, GenerationWorker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: without Redis, generations run in the request")
    # No short socket timeout here: the worker blocks on the queue. And no pooled database
    # connection may cross the fork into a job's work horse.
    db.engine.dispose()
    connection = redis.Redis.from_url(url)
    worker_class = GenerationSimpleWorker if simple else GenerationWorker
    queue = current_app.config["GENERATION_QUEUE"]
    click.echo(f"generation worker on queue {queue!r}")
    # Upkeep (the reaper) runs about once a lease, so a dead generation settles within two;
    # the scheduler runs webhook retries when they are due (Queue.enqueue_in).
    interval = max(5, int(current_app.config["GENERATION_LEASE_SECONDS"]))
    worker_class([queue], connection=connection, serializer=JSONSerializer,
                 maintenance_interval=interval).work(burst=burst, with_scheduler=True)


@cli.command("reap")
def reap():
    """Settle generations whose process died: lapsed leases, jobs the queue failed or lost."""
    from .worker import reap_generations

    counts = reap_generations(current_app)
    click.echo(", ".join(f"{reason} {count}" for reason, count in counts.items()))


@cli.command("providers")
def providers():
    """List the providers, which one is the default and which a request may choose."""
    from .providers import PROVIDERS, allowed_providers

    allowed = allowed_providers(current_app.config)
    for name, cls in PROVIDERS.items():
        marks = ["default"] if name == current_app.config["AI_PROVIDER"] else []
        marks += ["allowed per request"] if name in allowed else []
        marks += [] if cls.is_ai else ["not AI"]
        click.echo(f"{name:14} {', '.join(marks)}")
