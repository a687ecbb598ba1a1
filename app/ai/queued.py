"""The function an RQ worker runs for a queued generation (``jobs.JOB_FUNCTION``).

RQ imports it by name, and nothing in the app imports it, so it may build an app for a
worker started without one (a plain ``rq worker``; ``flask ai worker`` has its app already).
"""

from flask import has_app_context

from . import jobs


def run_generation_job(job_id):
    """Run generation job ``job_id`` (a string); returns its final status."""
    if has_app_context():
        return jobs.run_generation_job(job_id)
    from app import create_app

    with create_app().app_context():
        return jobs.run_generation_job(job_id)
