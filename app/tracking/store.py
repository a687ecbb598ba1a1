"""Write events now, or keep them: the bottom two rungs of the ladder.

``store_events`` writes a batch in its own session (never the caller's, whose
transaction it must neither commit nor roll back). When the database refuses
(cannot connect, read-only, missing table …) the batch goes to the spool.
When a row itself is bad (a foreign key to nothing, a value too long), the
batch is split until the bad event is alone; that one goes to the rejected
file, with the reason, and the others are written.
"""

import logging
import time

from sqlalchemy import exc
from sqlalchemy.orm import Session

from app.extensions import db

from . import metrics, spool
from .writer import write_events

log = logging.getLogger(__name__)


class DatabaseRefused(Exception):
    """The database did not take the batch; the events are in the spool."""


def _is_bad_row(error):
    if isinstance(error, (exc.IntegrityError, exc.DataError)):
        return True
    if isinstance(error, exc.StatementError) and not isinstance(error, exc.DBAPIError):
        return True  # a value our column types could not convert
    return isinstance(error, (ValueError, TypeError, KeyError))


def write_batch(events):
    """Write events (bad ones set aside); returns new rows. Raises when the database refuses."""
    started = time.perf_counter()
    stats = {}
    try:
        with Session(db.engine, expire_on_commit=False) as session:
            new = write_events(events, session=session, stats=stats)
    except Exception as error:
        if not _is_bad_row(error):
            metrics.ERRORS.labels("database").inc()
            raise
        if len(events) == 1:
            _reject(events[0], error)
            return 0
        middle = len(events) // 2
        return write_batch(events[:middle]) + write_batch(events[middle:])
    metrics.WRITE_SECONDS.observe(time.perf_counter() - started)
    for kind, (total, fresh) in stats.items():
        metrics.WRITTEN.labels(kind).inc(fresh)
        if total > fresh:
            metrics.DUPLICATES.labels(kind).inc(total - fresh)
    return new


def store_events(app, events):
    """Write events now; if the database refuses, spool them. Returns "written" or "spooled"."""
    try:
        write_batch(events)
        return "written"
    except Exception as error:
        _spool(app, events, error)
        return "spooled"


def _spool(app, events, error):
    path = spool.spool_path(app)
    reason = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
    try:
        spool.append(path, events)
    except OSError:
        metrics.ERRORS.labels("spool").inc()
        # Last resort: the events in the log, whole, so that an operator can recover them.
        log.critical("tracking: database refused (%s) and the spool %s failed; events: %s",
                     reason, path, events, exc_info=True)
        return
    for event in events:
        metrics.SPOOLED.labels(event["kind"]).inc()
    log.warning("tracking: database refused %d event(s) (%s: %s); spooled to %s (first id %s)",
                len(events), type(error).__name__, reason, path, events[0]["id"])


def _reject(event, error):
    from flask import current_app

    metrics.REJECTED.labels(event["kind"]).inc()
    reason = str(error).splitlines()[0][:300]
    log.error("tracking: %s event %s rejected by the database (%s); kept in %s",
              event["kind"], event["id"], reason, spool.REJECTED_NAME)
    try:
        spool.append(spool.rejected_path(current_app), [{**event, "rejected": reason}])
    except OSError:
        log.critical("tracking: could not keep rejected event %s", event, exc_info=True)
