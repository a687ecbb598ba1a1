"""``flask webhooks deliver``: send the deliveries that are due (cron, or after an outage)."""

import click
from flask.cli import AppGroup

cli = AppGroup("webhooks", help="Webhook deliveries.")


@cli.command("deliver")
def deliver():
    """Send every webhook delivery that is due (retries included)."""
    from .delivery import deliver_due

    total_delivered = total_failed = 0
    while True:
        delivered, failed = deliver_due()
        total_delivered, total_failed = total_delivered + delivered, total_failed + failed
        if delivered + failed == 0:
            break
    click.echo(f"delivered {total_delivered}, failed attempts {total_failed}")
