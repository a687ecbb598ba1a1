"""One app's tracking: its chain of transports, and when a recorded event is handed to it.

An event may name rows its caller has not committed yet (a generated image
and its generation log), so it is held until they are:

- in a request: until the request ends (``teardown_request``, which runs
  whatever the client does, also when it resets the connection);
- outside a request, while the caller's session has a transaction open:
  until its app context ends (or, in an RQ worker, its job does);
- otherwise (a CLI command, a job after its commit, a thread): at once.

Then it goes to the chain in one ``send``; the only other hook refuses new
requests (503, naming the disk) for a moment after neither the database nor
the spool could take events, instead of dropping theirs too. A normal exit closes every chain (atexit): events waiting in
the process are passed on. ``os._exit`` and SIGKILL skip that: what waited in
the process (at most the linger plus one batch) is lost.
"""

import atexit
import logging
import weakref

from flask import current_app, g, has_app_context, has_request_context, request

from app.extensions import db

from . import metrics, queue, spool
from .store import Database
from .transports import EXIT_TIMEOUT, build_chain

log = logging.getLogger(__name__)
REQUEST_EVENTS = "imprint.tracking.events"  # the request's held events; None once handed over
_trackers = weakref.WeakSet()


class Tracker:
    def __init__(self, app):
        self.app = app
        self.database = Database(app)
        self.chain, self.writer, self.spool = build_chain(app, self.database)
        self.uses_redis = bool(app.config.get("REDIS_URL"))
        _trackers.add(self)

    def record(self, event):
        """Hold the event until its caller's rows are committed, or send it now."""
        metrics.count_recorded(event["kind"])
        in_this_app = has_app_context() and current_app._get_current_object() is self.app
        if in_this_app and has_request_context():
            held = request.environ.setdefault(REQUEST_EVENTS, [])
            if held is not None:
                held.append(event)
                return
        elif in_this_app and _caller_in_transaction():
            g.setdefault("_tracking_held", []).append(event)
            return
        self.chain.send([event])

    def end_request(self, _error=None):
        held = request.environ.get(REQUEST_EVENTS)
        request.environ[REQUEST_EVENTS] = None  # recorded later (a teardown, a close callback): sent at once
        if held:
            self.chain.send(held)

    def refuse_when_nothing_keeps_events(self):
        """A 503 naming the disk while neither the database nor the spool takes events."""
        reason = self.spool.refusal()
        if reason is None or request.path in ALWAYS_ANSWERED:
            return None
        from app.errors import RETRY_AFTER_SECONDS, error_response

        return error_response(503, "Service Unavailable",
                              f"the disk is full: tracking events cannot be kept ({reason}); retry shortly",
                              headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    def release_held(self, _error=None):
        """Send what the current context held for its transaction: its app context ends, or an RQ job did."""
        held = g.pop("_tracking_held", None)
        if held:
            self.chain.send(held)

    def write(self, events):
        """Write events now in this thread (the drain job); what the database refuses is spooled."""
        return self.writer.write(events)

    def flush(self, timeout):
        """Pass on what waits in the process; with Redis, also wait (``timeout``) for the workers."""
        handed_on = self.chain.flush(None)  # its Redis and database calls have their own timeouts
        if not self.uses_redis:
            return handed_on
        try:
            return queue.wait_drained(self.app, timeout) and handed_on
        except Exception:
            log.warning("tracking: flush could not reach Redis", exc_info=True)
            return False

    def queue_depth(self):
        """(events waiting on the Redis list, batches claimed by workers); raises without Redis."""
        return queue.depth(self.app)

    def spool_bytes(self):
        return spool.pending_bytes(self.spool.path)

    def close(self, timeout=EXIT_TIMEOUT):
        """Pass on what waits in the process and stop the threads (later events are written at once)."""
        return self.chain.close(timeout)


def _caller_in_transaction():
    registry = db.session.registry
    return registry.has() and db.session().in_transaction()


ALWAYS_ANSWERED = ("/healthz", "/metrics")  # an operator must still see what is wrong


def init_app(app):
    tracker = Tracker(app)
    app.extensions["tracking"] = tracker
    app.before_request(tracker.refuse_when_nothing_keeps_events)
    app.teardown_request(tracker.end_request)
    app.teardown_appcontext(tracker.release_held)
    return tracker


@atexit.register
def _close_at_exit():
    for tracker in list(_trackers):
        try:
            if not tracker.close():
                log.error("tracking: a batch was still under way at exit after %ss", EXIT_TIMEOUT)
        except Exception:
            log.exception("tracking: events left in the process at exit")
