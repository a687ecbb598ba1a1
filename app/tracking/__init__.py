"""Tracking events: the one way to record an og_generation, generation_log or prompt_usage.

``record(kind, **fields)`` returns the event id at once and never raises. The
event goes down the ladder in ``dispatch``: Redis + RQ workers writing in
batches, else a write after the response, else the spool. ``flush()`` waits
for what this process recorded (tests, CLI).
"""

import logging
import uuid

from . import metrics
from .dispatch import dispatch, flush, push_buffered, replay_spool
from .events import KINDS, make_event

log = logging.getLogger(__name__)

__all__ = ["KINDS", "flush", "init_app", "push_buffered", "record", "replay_spool"]


def record(kind, /, **fields):
    """Record one tracking event; returns its id (None if malformed). Never raises into the caller."""
    try:
        event = make_event(kind, fields)
    except Exception:
        metrics.REJECTED.labels("malformed").inc()
        log.exception("tracking: refused malformed %s event", kind)
        return None
    try:
        dispatch(event)
    except Exception:
        log.exception("tracking: could not dispatch %s event; the event: %s", kind, event)
    return uuid.UUID(event["id"])


def init_app(app):
    """Install the ladder's hooks and ``GET /metrics`` on the app."""
    from .dispatch import init_app as init_dispatch
    from .metrics import blp

    init_dispatch(app)
    app.extensions["api"].register_blueprint(blp)
