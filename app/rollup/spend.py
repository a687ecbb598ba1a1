"""Recompute the daily spend rollups of the days some hours of generation_logs touch (from the rollup refresh)."""

from sqlalchemy import Text, cast, delete, literal, null, select

from app.extensions import db
from app.models import SpendDay
from app.rollup.buckets import DAY, HOUR, day_start, floor_day
from app.rollup.plan import merge_ranges, range_condition

from .spend_measures import live_measures, log, with_tags

TABLES = (SpendDay,)
DIMENSIONS = {"user": log.user_id, "key": log.api_key_id, "provider": log.provider, "model": log.model}


def recompute_spend_days(hours, watermark):
    """Rebuild the spend rows of every day ``hours`` touch, over the day's logs before ``watermark``."""
    days = merge_ranges([(floor_day(a), floor_day(b - HOUR) + DAY) for a, b in hours])
    rows = range_condition(log.created_at, [(a, min(b, watermark)) for a, b in days])
    db.session.execute(delete(SpendDay).where(range_condition(SpendDay.day, days))
                       .execution_options(synchronize_session=False))
    day = day_start(log.created_at).label("day")

    def insert(dimension, value, query):
        query = query.add_columns(day, literal(dimension).label("dimension"), value.label("value")).where(rows)
        names = [column.name for column in query.selected_columns]
        db.session.execute(SpendDay.__table__.insert().from_select(names, query))

    for dimension, column in DIMENSIONS.items():
        insert(dimension, cast(column, Text), select(*live_measures()).group_by(day, column))
    insert("day", cast(null(), Text), select(*live_measures()).group_by(day))
    tagged, tag = with_tags(select(*live_measures()), db.session.get_bind().dialect.name)
    insert("tag", cast(tag, Text), tagged.group_by(day, tag))
