"""Webhooks: events (generation.succeeded, generation.failed, job.cancelled) sent to endpoints, signed as the
Standard Webhooks specification says, recorded, and retried with exponential backoff for a day.

signing (the headers), endpoints (who receives what), events (recording a
delivery per endpoint), delivery (sending what is due), routes (the API),
cli (``flask webhooks deliver``).
"""


def init_app(app):
    """The ``flask webhooks`` commands."""
    from .cli import cli

    app.cli.add_command(cli)
