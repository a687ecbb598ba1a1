"""Tracking events: the one way to record an og_generation, generation_log or prompt_usage.

``record(kind, **fields)`` returns the event id at once and never raises. The
event goes down the ladder in ``dispatch``: Redis + RQ workers writing in
batches, else a write after the response, else the spool. ``flush()`` waits
for what this process recorded (tests, CLI). ``record_deferred`` is the same
for a hot path: the fields are made later, off the request.
"""

import logging
import uuid
from datetime import UTC, datetime

from . import metrics
from .dispatch import Deferred, dispatch, dispatch_deferred, flush, push_buffered, replay_spool
from .events import KINDS, make_event

log = logging.getLogger(__name__)

__all__ = ["KINDS", "flush", "init_app", "push_buffered", "record", "record_deferred", "replay_spool"]


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


def record_deferred(kind, build, /, *args):
    """Record an event whose fields ``build(*args)`` returns later; never raises, returns nothing.

    For the hottest path (every OG card): the request only captures ``args``
    (immutable values, nothing of the request itself) and the time. On the
    Redis rung ``build`` runs on the push thread, batched with its neighbours,
    in an app context; on the other rungs at once. A ``build`` that raises
    loses that event only, and is logged.
    """
    try:
        dispatch_deferred(Deferred(kind, build, args, datetime.now(UTC)))
    except Exception:
        log.exception("tracking: could not dispatch a deferred %s event", kind)


def init_app(app):
    """Install the ladder's hooks and ``GET /metrics`` on the app."""
    from .dispatch import init_app as init_dispatch
    from .metrics import blp

    init_dispatch(app)
    app.extensions["api"].register_blueprint(blp)
