"""The functions an RQ worker runs for a queued generation (``jobs.JOB_FUNCTION``, ``jobs.FAILURE_CALLBACK``).

RQ imports them by name, and nothing in the app imports them, so they may build an app for a
worker started without one (a plain ``rq worker``; ``flask ai worker`` has its app already).
"""

from flask import has_app_context

from . import jobs


def run_generation_job(job_id):
    """Run generation job ``job_id`` (a string); returns its final status."""
    return _in_app(jobs.run_generation_job, job_id)


def settle_failed_job(job, connection, exc_type, exc_value, traceback):
    """RQ's failure callback: the job is settled as failed and its quota given back."""
    _in_app(jobs.settle_failed_job, job.args[0], exc_type, exc_value)


def _in_app(function, *args):
    if has_app_context():
        return function(*args)
    from app import create_app

    with create_app().app_context():
        return function(*args)
