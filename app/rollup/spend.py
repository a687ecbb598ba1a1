"""Recompute the spend rollups of generation_logs (from the refresh): the hours it rolls up or finds
dirty, the whole days those hours touch, the quarters of those days (from the hour rows) and their
weeks (from the day rows)."""

from sqlalchemy import Text, cast, delete, literal, null, select

from app.extensions import db
from app.models import SpendDay, SpendHour, SpendQuarter, SpendWeek
from app.models.types import UTCDateTime

from .buckets import DAY, HOUR, QUARTER, WEEK, day_start, floor_day, floor_week, hour_start
from .plan import merge_ranges, range_condition
from .spend_measures import MEASURES, live_measures, log, rolled_measures, with_tags

TABLES = (SpendWeek, SpendDay, SpendQuarter, SpendHour)
DIMENSIONS = {"user": log.user_id, "key": log.api_key_id, "provider": log.provider, "model": log.model}


def recompute_spend(hours, watermark):
    """Rebuild the hourly spend rows of ``hours`` and the daily ones of every day they touch (over the
    day's logs before ``watermark``)."""
    days = merge_ranges([(floor_day(a), floor_day(b - HOUR) + DAY) for a, b in hours])
    _rebuild(SpendDay, SpendDay.day, day_start(log.created_at), days, [(a, min(b, watermark)) for a, b in days])
    _rebuild(SpendHour, SpendHour.hour, hour_start(log.created_at), hours, hours)
    _sum_up(SpendQuarter, SpendQuarter.quarter, QUARTER, SpendHour, SpendHour.hour, days)
    weeks = merge_ranges([(floor_week(a), floor_week(b - DAY) + WEEK) for a, b in days])
    _sum_up(SpendWeek, SpendWeek.week, WEEK, SpendDay, SpendDay.day, weeks, without_day=True)


def _sum_up(table, bucket, size, finer, finer_bucket, ranges, without_day=False):
    """Replace ``table``'s rows in ``ranges`` by the sums of the ``finer`` rows of each of its buckets (a read
    of rollups, not of logs); ``without_day`` leaves the ``day`` dimension out (a day report reads days)."""
    db.session.execute(delete(table).where(range_condition(bucket, ranges)).execution_options(synchronize_session=False))
    names = [bucket.key, "dimension", "value", *MEASURES]
    for start, end in ranges:
        for first in (start + n * size for n in range((end - start) // size)):
            where = [finer_bucket >= first, finer_bucket < first + size]
            if without_day:
                where.append(finer.dimension != "day")
            rows = select(literal(first, UTCDateTime()), finer.dimension, finer.value, *rolled_measures(finer)
                          ).where(*where).group_by(finer.dimension, finer.value)
            db.session.execute(table.__table__.insert().from_select(names, rows))


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
