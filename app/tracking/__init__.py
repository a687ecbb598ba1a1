"""Tracking events: the one way to record an og_generation, generation_log or prompt_usage.

``record(kind, **fields)`` returns the event id at once and never raises.
(The dispatch ladder — RQ, after-response, spool — is built in the tracking issue;
until then events are written synchronously, errors logged.)
"""

import logging
import uuid

from .events import KINDS, make_event
from .writer import write_events

log = logging.getLogger(__name__)

__all__ = ["KINDS", "record"]


def record(kind, /, **fields):
    """Record one tracking event; returns its id. Never raises into the caller."""
    try:
        event = make_event(kind, fields)
    except Exception:
        log.exception("tracking: refused malformed %s event", kind)
        return None
    try:
        write_events([event])
    except Exception:
        log.exception("tracking: could not write %s event %s", kind, event["id"])
    return uuid.UUID(event["id"])
