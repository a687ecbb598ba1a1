"""Leases on ``generation_jobs`` rows, measured on the database's clock.

A running generation holds its row with an owner and a lease expiry; a
thread renews the lease while the work is alive. When the owner dies the
renewals stop, the lease lapses within seconds, and the row may be settled
(``reaper``) or claimed again. Every comparison uses the database's clock
(``now()`` in SQL), never a node's own, so clock skew between nodes can
neither steal a live claim nor keep a dead one.
"""

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, update

from app.extensions import db
from app.models import GenerationJob

log = logging.getLogger(__name__)

# SQLite's own clock, written as SQLAlchemy stores its datetimes, so text comparison orders them.
_SQLITE_FORMAT = "%Y-%m-%d %H:%M:%f000"


def db_now(dialect_name):
    """The database's current time as a SQL expression."""
    if dialect_name == "sqlite":
        return func.strftime(_SQLITE_FORMAT, "now")
    return func.now()


def lease_until(dialect_name, seconds):
    """The database's time ``seconds`` from now, as a SQL expression."""
    if dialect_name == "sqlite":
        return func.strftime(_SQLITE_FORMAT, "now", f"+{float(seconds):.3f} seconds")
    return func.now() + timedelta(seconds=seconds)


def dialect():
    return db.session.get_bind().dialect.name


def is_lapsed():
    """A SQL condition: the row's lease has ended on the database's clock."""
    return GenerationJob.lease_expires_at < db_now(dialect())


def new_owner():
    """A name for this process's hold on one row: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def log_id(job_id, owner):
    """The ``generation_logs`` id of one hold of a row: the run and the reaper that settles it after
    its death both log under it, so the ledger keeps one row however many of them got to log."""
    return uuid.uuid5(job_id, owner) if owner else None


def lease_seconds(app=None):
    return float((app or current_app).config["GENERATION_LEASE_SECONDS"])


def hold_values(owner, seconds=None):
    """The column values that give a row to ``owner`` for one lease."""
    return {"owner": owner, "lease_expires_at": lease_until(dialect(), seconds or lease_seconds())}


class Heartbeat:
    """Renew ``owner``'s lease on job ``job_id`` every third of a lease while the block runs.

    The renewals use their own connection (the request's session holds no
    transaction while the provider works). A renewal that finds the row no
    longer ours stops: another process settled it.
    """

    def __init__(self, job_id, owner, seconds=None):
        self.job_id, self.owner = job_id, owner
        self.seconds = seconds or lease_seconds()
        self.engine = db.engine
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{job_id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()

    def _beat(self):
        table = GenerationJob.__table__
        name = self.engine.dialect.name
        while not self.stopped.wait(self.seconds / 3):
            try:
                with self.engine.begin() as connection:
                    renewed = connection.execute(
                        update(table).where(table.c.id == self.job_id, table.c.owner == self.owner,
                                            table.c.status.in_(("running", "cancelled")))
                        .values(lease_expires_at=lease_until(name, self.seconds))).rowcount
            except Exception as error:  # the database is away: the lease lapses unless it comes back
                log.warning("generation %s: lease renewal failed: %s", self.job_id, error)
                continue
            if not renewed:
                return
