"""Recompute the spend rollups of generation_logs (from the refresh): the hours it rolls up or finds
dirty, the whole days those hours touch, and the weeks of those days (from the day rows)."""

from sqlalchemy import Text, cast, delete, literal, null, select

from app.extensions import db
from app.models import SpendDay, SpendHour, SpendWeek
from app.models.types import UTCDateTime

from .buckets import DAY, HOUR, WEEK, day_start, floor_day, floor_week, hour_start
from .plan import merge_ranges, range_condition
from .spend_measures import MEASURES, live_measures, log, rolled_measures, with_tags

TABLES = (SpendWeek, SpendDay, SpendHour)
DIMENSIONS = {"user": log.user_id, "key": log.api_key_id, "provider": log.provider, "model": log.model}


def recompute_spend(hours, watermark):
    """Rebuild the hourly spend rows of ``hours`` and the daily ones of every day they touch (over the
    day's logs before ``watermark``)."""
    days = merge_ranges([(floor_day(a), floor_day(b - HOUR) + DAY) for a, b in hours])
    _rebuild(SpendDay, SpendDay.day, day_start(log.created_at), days, [(a, min(b, watermark)) for a, b in days])
    _rebuild(SpendHour, SpendHour.hour, hour_start(log.created_at), hours, hours)
    _rebuild_weeks(merge_ranges([(floor_week(a), floor_week(b - DAY) + WEEK) for a, b in days]))


def _rebuild_weeks(weeks):
    """Replace the week rows of ``weeks`` by the sums of their day rows (a read of rollups, not of logs)."""
    db.session.execute(delete(SpendWeek).where(range_condition(SpendWeek.week, weeks))
                       .execution_options(synchronize_session=False))
    names = ["week", "dimension", "value", *MEASURES]
    for start, end in weeks:
        for week in (start + n * WEEK for n in range((end - start) // WEEK)):
            days = select(literal(week, UTCDateTime()), SpendDay.dimension, SpendDay.value, *rolled_measures(SpendDay)
                          ).where(SpendDay.dimension != "day", SpendDay.day >= week, SpendDay.day < week + WEEK
                                  ).group_by(SpendDay.dimension, SpendDay.value)
            db.session.execute(SpendWeek.__table__.insert().from_select(names, days))


def _rebuild(table, bucket_column, bucket, buckets, rows):
    """Replace ``table``'s rows of ``buckets`` by the sums of the logs in ``rows``, one set per dimension."""
    db.session.execute(delete(table).where(range_condition(bucket_column, buckets))
                       .execution_options(synchronize_session=False))
    rows = range_condition(log.created_at, rows)
    bucket = bucket.label(bucket_column.key)

    def insert(dimension, value, query):
        query = query.add_columns(bucket, literal(dimension).label("dimension"), value.label("value")).where(rows)
        names = [column.name for column in query.selected_columns]
        db.session.execute(table.__table__.insert().from_select(names, query))

    for dimension, column in DIMENSIONS.items():
        insert(dimension, cast(column, Text), select(*live_measures()).group_by(bucket, column))
    insert("day", cast(null(), Text), select(*live_measures()).group_by(bucket))
    tagged, tag = with_tags(select(*live_measures()), db.session.get_bind().dialect.name)
    insert("tag", cast(tag, Text), tagged.group_by(bucket, tag))
