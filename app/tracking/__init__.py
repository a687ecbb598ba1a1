"""Tracking events: the one way to record an og_generation, generation_log or prompt_usage.

``record(kind, app=None, **fields)`` returns the event id at once and never
raises. The event is handed to the app's chain of transports (``transports``)
once the rows its caller owns are committed (``tracker``): Redis + RQ workers
writing in batches, else the process's writer thread, else the spool.
``flush()`` waits for what this process recorded (tests, CLI).
"""

import logging
import uuid

from app.extensions import held

from . import metrics
from .events import KINDS, make_event
from .tracker import init_app as init_tracker

log = logging.getLogger(__name__)

__all__ = ["KINDS", "flush", "hand_on", "init_app", "record", "get_tracker"]


def get_tracker(app=None):
    """The app's Tracker: ``app``, else the app of the current context (RuntimeError outside one)."""
    return held("tracking", app)


def record(kind, /, app=None, **fields):
    """Record one tracking event for ``app`` (default: the current app); returns its id (None if malformed).

    Never raises into the caller, and never touches the caller's session.
    """
    try:
        event = make_event(kind, fields)
    except Exception:
        metrics.REJECTED.labels("malformed").inc()
        log.exception("tracking: refused malformed %s event", kind)
        return None
    try:
        get_tracker(app).record(event)
    except Exception:
        log.exception("tracking: could not hand on %s event; the event: %s", kind, event)
    return uuid.UUID(event["id"])


def flush(timeout=10.0, app=None):
    """Pass on every event this process holds (written, pushed or spooled); with Redis, wait up to
    ``timeout`` seconds for the workers to drain the queue. True when nothing is left waiting.

    Events held by the current context (its transaction is open) are not among them.
    """
    return get_tracker(app).flush(timeout)


def hand_on(app=None):
    """Pass on what this process holds (to Redis, else the database), without waiting for workers."""
    return get_tracker(app).chain.flush(None)


def init_app(app):
    """Build the app's chain of transports, install its two hooks and ``GET /metrics``."""
    init_tracker(app)
    metrics.init_known_series(KINDS)
    held("api", app).register_blueprint(metrics.blp)
