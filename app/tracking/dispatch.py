"""The dispatch ladder: Redis → after the response → the spool.

1. ``REDIS_URL`` set and Redis answering → the event goes onto the Redis list
   (through ``buffer``, a few milliseconds later, with its neighbours in one
   RPUSH), RQ workers write it in batches.
2. Otherwise, inside a request → the event waits in this process and is
   written after the response has been sent (``response.call_on_close``);
   if that hook never runs (a server that skips close()), the next request's
   hook or, within ``PENDING_WATCH_SECONDS``, a watching thread writes it.
   Outside a request (CLI, threads) → written now; if the caller's session
   holds an open transaction, at the end of its app context instead (its rows
   must be committed first, and on SQLite it holds the write lock).
3. The database refuses → the spool (``store``/``spool``), replayed later.

After a Redis failure the rung is skipped for ``TRACKING_REDIS_RETRY``
seconds, so an unreachable Redis costs one timeout, not one per event.
"""

import atexit
import collections
import logging
import threading
import time
import weakref
from functools import partial

from flask import current_app, g, has_app_context, has_request_context, request

from app.extensions import db
from app.redis_client import get_redis

from . import metrics, queue, spool, store
from .buffer import RedisBuffer, process_id

log = logging.getLogger(__name__)

RESPONSE_DONE = "imprint.tracking.response_done"
PENDING_WATCH_SECONDS = 2.0  # an event still waiting for its response after this long is written anyway
_default_app = None  # the app used when record() is called with no app context


class TrackingState:
    """Per-app state of the ladder: events waiting for the response, Redis health, replays."""

    def __init__(self, app):
        self.app = app
        self.pending = collections.deque()
        self.redis_retry_at = 0.0
        self.redis_down = False
        self.next_replay_check = 0.0
        self.replay_requested = False
        self.buffer = RedisBuffer(app, self)
        self.watch_pid = None
        self.watch_lock = threading.Lock()

    def watch_pending(self):
        """Start (once per process) the thread that writes events whose response never closed."""
        if self.watch_pid == process_id():
            return
        with self.watch_lock:
            if self.watch_pid != process_id():
                threading.Thread(target=_watch_pending, args=(weakref.ref(self),),
                                 name="imprint-tracking-pending", daemon=True).start()
                self.watch_pid = process_id()

    def redis_usable(self):
        return bool(self.app.config.get("REDIS_URL")) and time.monotonic() >= self.redis_retry_at

    def redis_failed(self, error):
        metrics.ERRORS.labels("redis").inc()
        self.redis_retry_at = time.monotonic() + self.app.config["TRACKING_REDIS_RETRY"]
        if not self.redis_down:
            self.redis_down = True
            log.warning("tracking: Redis did not answer (%s: %s); writing events in-process for %ss",
                        type(error).__name__, error, self.app.config["TRACKING_REDIS_RETRY"])

    def redis_answered(self):
        if self.redis_down:
            self.redis_down = False
            log.info("tracking: Redis answers again; events go to the queue")


def init_app(app):
    global _default_app
    app.extensions["tracking"] = TrackingState(app)
    # werkzeug's development server skips a response's close() when the client resets the
    # connection while the server drains the request body, so that response's hook never
    # runs: its events wait for the next request's hook or the watching thread.
    # A thread writes such events after PENDING_WATCH_SECONDS (_watch_pending); at a normal exit they are written here.
    atexit.register(_write_pending_at_exit, weakref.ref(app.extensions["tracking"]))
    app.after_request(_after_request)
    app.teardown_appcontext(_teardown_appcontext)
    _default_app = app


def resolve_app(app=None):
    if app is not None:
        return app
    if has_app_context():
        return current_app._get_current_object()
    if _default_app is None:
        raise RuntimeError("tracking: no Flask app to record with")
    return _default_app


def dispatch(event, app=None):
    """Send one event down the ladder; returns the rung: redis, after_response, sync or spool."""
    app = resolve_app(app)
    state = app.extensions["tracking"]
    kind = event["kind"]
    if state.redis_usable():
        if app.config["TRACKING_PUSH_LINGER"] > 0:
            state.buffer.add(event)  # pushed by the buffer's thread within milliseconds
            metrics.count_recorded(kind, "redis")
            replay_soon(app, state)
            return "redis"
        try:
            queue.push(get_redis(app), [event], app.config["TRACKING_QUEUE"])
        except Exception as error:
            state.redis_failed(error)
        else:
            state.redis_answered()
            metrics.count_recorded(kind, "redis")
            replay_soon(app, state)
            return "redis"
    in_this_app = has_app_context() and current_app._get_current_object() is app
    if in_this_app and has_request_context():
        # Held by the request until its view is done (its rows committed), then written
        # after the response; recorded after our after_request hook: written at teardown.
        g.setdefault("_tracking_held", []).append(event)
        if request.environ.get(RESPONSE_DONE):
            g._tracking_late = True
        metrics.count_recorded(kind, "after_response")
        return "after_response"
    metrics.count_recorded(kind, "sync")
    if in_this_app and _caller_in_transaction():
        g.setdefault("_tracking_held", []).append(event)  # written when the app context ends
        g._tracking_late = True
        return "sync"
    with app.app_context():
        rung = "sync" if store.store_events(app, [event]) == "written" else "spool"
    if rung == "sync":
        replay_soon(app, state)
    return rung


def _caller_in_transaction():
    registry = db.session.registry
    return registry.has() and db.session().in_transaction()


def _after_request(response):
    request.environ[RESPONSE_DONE] = True
    app = current_app._get_current_object()
    state = app.extensions["tracking"]
    # Every request that recorded an event gets its own hook, even if another request's
    # hook takes its events first: a hook that finds nothing does nothing.
    if _release_held(state) or state.pending or state.replay_requested:
        response.call_on_close(partial(_after_response, app))
    return response


def _release_held(state):
    """Hand the events this context held (its view or transaction is done) to the process's queue."""
    held = g.pop("_tracking_held", None)
    if not held:
        return False
    state.pending.extend(held)
    state.watch_pending()
    return True


def _after_response(app):
    """Runs once the response is sent (the WSGI server closed it)."""
    try:
        if has_app_context() and _caller_in_transaction():
            return  # a test holding a transaction in this thread: flush() writes them
        with app.app_context():
            if write_pending(app):
                replay_soon(app, app.extensions["tracking"])
            if app.extensions["tracking"].replay_requested:
                replay_spool(app)
    except Exception:
        log.exception("tracking: writing events after the response failed")


def _teardown_appcontext(_error):
    app = current_app._get_current_object()
    held = _release_held(app.extensions["tracking"])  # normally _after_request took them
    if not (g.pop("_tracking_late", False) or held):
        return
    try:
        db.session.remove()  # end the caller's transaction first (its SQLite lock)
        write_pending(app)
    except Exception:
        log.exception("tracking: writing events at the end of the app context failed")


def _watch_pending(state_ref):
    """Write events that waited a whole round: the hook of their response did not run.

    Only events whose view or transaction is done are in ``pending`` (the rest
    are held by their context), so writing them early is always safe.
    """
    seen = None
    while True:
        time.sleep(PENDING_WATCH_SECONDS)
        state = state_ref()
        if state is None:
            return
        try:
            oldest = state.pending[0]
        except IndexError:
            oldest = None
        # The same event first in line two rounds running: it has waited PENDING_WATCH_SECONDS or more.
        if oldest is not None and oldest is seen:
            log.warning("tracking: events waited %ss for their response to close (the client hung up?);"
                        " writing them now", PENDING_WATCH_SECONDS)
            try:
                with state.app.app_context():
                    write_pending(state.app)
            except Exception:
                log.exception("tracking: writing events that waited for their response failed")
            oldest = None
        seen = oldest
        del state


def _write_pending_at_exit(state_ref):
    state = state_ref()
    if state is None or not state.pending:
        return
    try:
        with state.app.app_context():
            write_pending(state.app)
    except Exception:
        log.exception("tracking: writing events at exit failed")


def write_pending(app):
    """Write the events waiting in this process, in batches; True if all were written (none spooled)."""
    state = app.extensions["tracking"]
    size = app.config["TRACKING_BATCH_SIZE"]
    all_written = True
    while True:
        batch = []
        try:
            while len(batch) < size:
                batch.append(state.pending.popleft())
        except IndexError:
            pass
        if not batch:
            return all_written
        all_written &= store.store_events(app, batch) == "written"


def replay_soon(app, state=None):
    """After a success, replay the spool if it has events (checked at most every TRACKING_REPLAY_INTERVAL)."""
    state = state or app.extensions["tracking"]
    now = time.monotonic()
    if now < state.next_replay_check:
        return
    state.next_replay_check = now + app.config["TRACKING_REPLAY_INTERVAL"]
    if not spool.pending_bytes(spool.spool_path(app)):
        return
    if has_request_context():
        state.replay_requested = True  # after the response
    else:
        replay_spool(app)


def replay_spool(app, wait=False):
    """Write spooled events to the database; returns how many were sent (0 if busy or refused)."""
    state = app.extensions["tracking"]
    state.replay_requested = False
    path = spool.spool_path(app)
    try:
        with app.app_context():
            sent = spool.replay(path, store.write_batch, app.config["TRACKING_BATCH_SIZE"], wait=wait)
    except spool.SpoolBusy:
        return 0
    except Exception as error:
        log.warning("tracking: spool replay stopped, the database still refuses (%s); %s kept",
                    str(error).splitlines()[0][:200] if str(error) else type(error).__name__, path)
        return 0
    if sent:
        log.info("tracking: replayed %d spooled event(s) from %s", sent, path)
    return sent


def push_buffered(app=None):
    """Hand this process's buffered events on now (to Redis, else the database); no waiting for workers."""
    resolve_app(app).extensions["tracking"].buffer.push_all()


def flush(timeout=10.0, app=None):
    """Write this process's waiting events now and wait for the Redis queue to drain.

    Commits the current session first if it is in a transaction (its rows must
    be visible, and on SQLite it holds the write lock). Returns True when
    nothing recorded is left waiting: no event in this process, and with Redis
    nothing queued or claimed. Spooled events are not waited for.
    """
    app = resolve_app(app)
    deadline = time.monotonic() + timeout
    if has_app_context() and _caller_in_transaction():
        db.session.commit()
    if has_app_context() and current_app._get_current_object() is app:
        _release_held(app.extensions["tracking"])  # committed just above
    app.extensions["tracking"].buffer.push_all()
    with app.app_context():
        write_pending(app)
    if not app.config.get("REDIS_URL"):
        return not app.extensions["tracking"].pending
    try:
        return queue.wait_drained(app, max(0.0, deadline - time.monotonic()))
    except Exception:
        log.warning("tracking: flush could not reach Redis", exc_info=True)
        return False
