"""The webhook sender's RQ job, which builds its own app when the worker has none.

RQ imports it by name and nothing in the app imports it, so ``create_app`` never imports itself.
"""

from flask import has_app_context

from .delivery import deliver_due


def deliver_due_job():
    """RQ job: send every due delivery."""
    if has_app_context():
        return deliver_due()
    from app import create_app

    with create_app().app_context():
        return deliver_due()
