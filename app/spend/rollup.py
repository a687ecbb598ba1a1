"""Recompute the spend rollups of some hours of generation_logs (called by the rollup refresh)."""

from sqlalchemy import delete, select

from app.extensions import db
from app.history.rollup.buckets import hour_start
from app.history.rollup.plan import range_condition
from app.models import SpendHour, SpendTagHour

from .measures import live_measures, log, with_tags

TABLES = (SpendHour, SpendTagHour)


def recompute_spend_hours(hours):
    """Rebuild both spend rollups over ``hours`` (``[start, end)`` ranges) from generation_logs."""
    hour = hour_start(log.created_at).label("hour")
    rows = range_condition(log.created_at, hours)
    keys = (log.user_id, log.api_key_id, log.provider, log.model)
    _replace(SpendHour, hours, select(hour, *keys, *live_measures()).where(rows).group_by(hour, *keys))
    query, tag = with_tags(select(hour, log.user_id, log.api_key_id, *live_measures()),
                           db.session.get_bind().dialect.name)
    _replace(SpendTagHour, hours, query.add_columns(tag.label("tag")).where(rows)
             .group_by(hour, tag, log.user_id, log.api_key_id))


def _replace(table, hours, rows):
    db.session.execute(delete(table).where(range_condition(table.hour, hours))
                       .execution_options(synchronize_session=False))
    names = [column.name for column in rows.selected_columns]
    db.session.execute(table.__table__.insert().from_select(names, rows))
