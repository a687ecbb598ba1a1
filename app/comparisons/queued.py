"""The function an RQ worker runs for a queued comparison (``service.JOB_FUNCTION``).

RQ imports it by name, and nothing in the app imports it, so it may build an app for a
worker started without one.
"""

import uuid

from flask import has_app_context

from .service import run_comparison


def run_comparison_job(comparison_id):
    """RQ job: run comparison ``comparison_id`` (a string); returns its final status."""
    if has_app_context():
        return run_comparison(uuid.UUID(comparison_id))
    from app import create_app

    with create_app().app_context():
        return run_comparison(uuid.UUID(comparison_id))
