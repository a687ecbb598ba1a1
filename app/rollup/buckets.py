"""Hours and days: truncation in Python and in SQL, in the shape the rollup tables store."""

from datetime import timedelta

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.models.types import UTCDateTime

HOUR = timedelta(hours=1)
QUARTER = timedelta(hours=6)  # a quarter of a day
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
TICK = timedelta(microseconds=1)  # the resolution of stored timestamps on both databases


def floor_hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment):
    start = floor_hour(moment)
    return start if start == moment else start + HOUR


def floor_quarter(moment):
    """The start of ``moment``'s quarter of a day (00, 06, 12 or 18 h UTC)."""
    return moment.replace(hour=moment.hour - moment.hour % 6, minute=0, second=0, microsecond=0)


def floor_day(moment):
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def floor_week(moment):
    """Midnight UTC of the Monday of ``moment``'s week."""
    day = floor_day(moment)
    return day - timedelta(days=day.weekday())


class _start_of(FunctionElement):
    type = UTCDateTime()
    inherit_cache = True
    unit = None


class hour_start(_start_of):
    """``created_at`` truncated to its UTC hour, stored as the UTCDateTime columns store it."""

    inherit_cache = True
    name = "hour_start"
    unit = "hour"


class day_start(_start_of):
    """``created_at`` truncated to its UTC day."""

    inherit_cache = True
    name = "day_start"
    unit = "day"


@compiles(_start_of)
def _start_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' text: the bucket must compare equal to a bound hour.
    shape = "%Y-%m-%d %H:00:00.000000" if element.unit == "hour" else "%Y-%m-%d 00:00:00.000000"
    return f"strftime('{shape}', {compiler.process(column, **kw)})"


@compiles(_start_of, "postgresql")
def _start_pg(element, compiler, **kw):
    (column,) = list(element.clauses)
    # Truncate in UTC, then back to timestamptz: the session's TimeZone never moves a bucket.
    return f"(date_trunc('{element.unit}', {compiler.process(column, **kw)} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
