"""Write a batch of events to the database, setting bad rows aside.

``write_batch`` writes in a session of its own (never a caller's, whose
transaction it must neither commit nor roll back) and raises when the database
refuses the batch (cannot connect, read-only, missing table …): the
transport that called it passes the batch on. When a row itself is bad (a
foreign key to nothing, a value too long), the batch is split until the bad
event is alone; that one goes to the rejected file, with the reason, and the
others are written.
"""

import logging
import time

from sqlalchemy import exc
from sqlalchemy.orm import Session

from app.extensions import db

from . import metrics, spool
from .writer import write_events

log = logging.getLogger(__name__)


class Database:
    """The tracking tables of one app's database: its engine (looked up once) and its rejected file."""

    def __init__(self, app):
        self.app = app
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def write(self, events):
        """Write events (bad ones set aside); returns new rows. Raises when the database refuses."""
        return write_batch(self.engine, events, spool.rejected_path(self.app))


# PostgreSQL's refusals of a value of the wrong type for its column (a number for a uuid): the statements
# are ours and fixed, so these come from an event's values.
WRONG_TYPE_STATES = {"42804", "42846"}  # datatype_mismatch, cannot_coerce


def _is_bad_row(error):
    if isinstance(error, (exc.IntegrityError, exc.DataError)):
        return True
    if isinstance(error, exc.ProgrammingError) and getattr(error.orig, "sqlstate", None) in WRONG_TYPE_STATES:
        return True
    if isinstance(error, exc.StatementError) and not isinstance(error, exc.DBAPIError):
        return True  # a value our column types could not convert
    return isinstance(error, (ValueError, TypeError, KeyError))


def write_batch(engine, events, rejected_path):
    """Write events in one transaction (bad ones set aside in ``rejected_path``); returns new rows."""
    started = time.perf_counter()
    stats = {}
    try:
        with Session(engine, expire_on_commit=False) as session:
            new = write_events(events, session=session, stats=stats)
    except Exception as error:
        if not _is_bad_row(error):
            metrics.ERRORS.labels("database").inc()
            raise
        if len(events) == 1:
            _reject(events[0], error, rejected_path)
            return 0
        middle = len(events) // 2
        return write_batch(engine, events[:middle], rejected_path) + write_batch(engine, events[middle:], rejected_path)
    metrics.WRITE_SECONDS.observe(time.perf_counter() - started)
    for kind, (total, fresh) in stats.items():
        metrics.WRITTEN.labels(kind).inc(fresh)
        if total > fresh:
            metrics.DUPLICATES.labels(kind).inc(total - fresh)
    return new


def _reject(event, error, rejected_path):
    metrics.REJECTED.labels(event["kind"]).inc()
    reason = str(error).splitlines()[0][:300]
    log.error("tracking: %s event %s rejected by the database (%s); kept in %s",
              event["kind"], event["id"], reason, rejected_path)
    try:
        spool.append(rejected_path, [{**event, "rejected": reason}])
    except OSError:
        log.critical("tracking: could not keep rejected event %s", event, exc_info=True)
