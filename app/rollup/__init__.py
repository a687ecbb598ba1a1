"""Hourly rollups behind the analytics that would otherwise read every row of a window.

``refresh.py`` keeps them (``flask history rollup``, run from cron);
``plan.py`` splits a window into rolled-up hours and live ranges;
``images.py`` answers the image stats from both (``app/analytics/rollups.py``
the BI queries); ``users.py`` counts distinct users (image stats, retention).

Exactness: an hour is read from a rollup only when it lies before the
source's ``rolled_up_until`` and no trigger has marked it dirty since; the
partial hours at a window's edges, dirty hours and hours after the watermark
are read from the source table in the same snapshot, so every answer equals
the direct query's (sums of float costs up to the last bits of rounding).
"""

from contextlib import contextmanager

from flask import current_app
from sqlalchemy import union_all

from app.extensions import db
from app.models import GeneratedImage, GenerationLog

SOURCES = {"logs": GenerationLog, "images": GeneratedImage}


def combine(*parts):
    """One subquery of the selects given (None for a part that has no rows to read)."""
    parts = [part for part in parts if part is not None]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()


def rollups_enabled():
    """The HISTORY_ROLLUPS setting (off = every analytics query reads the source tables)."""
    return bool(current_app.config.get("HISTORY_ROLLUPS", True))


@contextmanager
def snapshot():
    """A connection whose statements all see one snapshot: coverage, rollups and live rows agree.

    PostgreSQL: a REPEATABLE READ, read-only transaction on its own
    connection. SQLite: the session's transaction, which already holds the
    write lock (``BEGIN IMMEDIATE``), so nothing can change under it.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        yield db.session.connection()
        return
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            yield connection
