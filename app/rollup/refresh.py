"""Keep the rollups: roll up each complete hour once, and recompute the hours marked dirty.

``refresh_rollups`` (``flask history rollup``, every minute from cron) moves
each source's watermark to the start of the current hour and recomputes the
hours its triggers marked dirty: late tracking events (spool replays, RQ
retries), retention and GDPR deletions, any update. The marks are consumed
with ``DELETE … RETURNING`` before the recomputation reads the source rows,
so a write that commits meanwhile leaves its own mark behind and is picked
up by the next run; the rollups are never newer or older than their marks say.
"""

from datetime import timedelta

from sqlalchemy import and_, case, delete, func, literal, select, text

from app.extensions import db
from app.models import (
    GeneratedImageHour,
    GenerationLogDifficultyHour,
    GenerationLogHour,
    GenerationLogStyleHour,
    RollupDirtyHour,
    RollupState,
    RollupUser,
    RollupUserDay,
)
from app.models.query import json_number
from app.models.types import utcnow

from . import SOURCES
from .buckets import DAY, HOUR, day_start, floor_day, floor_hour, hour_start
from .plan import merge_ranges, range_condition
from .spend import TABLES as SPEND_TABLES
from .spend import recompute_spend

CHUNK = timedelta(days=7)  # hours rolled up per transaction when catching up
LOCK_KEY = 7_150_001  # pg_advisory_xact_lock: one refresh at a time


def refresh_rollups(now=None, chunk=CHUNK, on_progress=None):
    """Roll up every complete hour and recompute dirty ones; returns hours recomputed per source.

    ``on_progress(1)`` is called as each source is done."""
    target = floor_hour(now or utcnow())
    hours = {}
    for source in SOURCES:
        hours[source] = _refresh_source(source, target, chunk)
        if on_progress:
            on_progress(1)
    return hours


def forget_rollups():
    """Delete every rollup and watermark: until the next refresh, analytics read the source tables."""
    for table in (RollupState, RollupDirtyHour, RollupUserDay, RollupUser, GenerationLogHour,
                  GenerationLogStyleHour, GenerationLogDifficultyHour, GeneratedImageHour, *SPEND_TABLES):
        db.session.execute(delete(table).execution_options(synchronize_session=False))
    db.session.commit()


def _refresh_source(source, target, chunk):
    session = db.session
    recomputed = 0
    while True:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        state = session.execute(
            select(RollupState).where(RollupState.source == source).execution_options(populate_existing=True)
        ).scalar_one_or_none()
        start = state.rolled_up_until if state else _first_hour(source, target)
        end = max(start, min(start + chunk, target))
        marked = session.scalars(
            delete(RollupDirtyHour).where(RollupDirtyHour.source == source, RollupDirtyHour.hour < end)
            .returning(RollupDirtyHour.hour).execution_options(synchronize_session=False)
        ).all()
        hours = merge_ranges(([(start, end)] if start < end else []) + [(h, h + HOUR) for h in set(marked)])
        if hours:
            _recompute_hours(source, hours)
            _recompute_user_days(source, hours, end)
            if source == "logs":
                recompute_spend(hours, end)
        if state is None:
            state = RollupState(source=source)
            session.add(state)
        state.rolled_up_until, state.refreshed_at = end, utcnow()
        session.commit()
        recomputed += sum((b - a) // HOUR for a, b in hours)
        if end >= target:
            return recomputed


def _first_hour(source, target):
    model = SOURCES[source]
    first = db.session.scalar(select(func.min(model.created_at)))
    return target if first is None else min(floor_hour(first), target)


def _replace(table, condition, select_rows):
    db.session.execute(delete(table).where(condition).execution_options(synchronize_session=False))
    columns = [column.key for column in table.__table__.columns if column.key != "id"]
    db.session.execute(table.__table__.insert().from_select(columns, select_rows))


def _recompute_hours(source, hours):
    if source == "images":
        _recompute_image_hours(hours)
        return
    log = SOURCES["logs"]
    cost = json_number(log.costs, "total")
    successes = func.sum(case((log.success.is_(True), 1), else_=0))
    hour = hour_start(log.created_at)
    rows = range_condition(log.created_at, hours)
    _replace(GenerationLogHour, range_condition(GenerationLogHour.hour, hours), select(
        hour, func.count(), func.count(log.user_id.distinct()), successes, func.sum(cost), func.count(cost),
    ).where(rows).group_by(hour))
    _replace(GenerationLogStyleHour, range_condition(GenerationLogStyleHour.hour, hours), select(
        hour, log.style, func.count(), successes, func.sum(cost), func.count(cost),
    ).where(rows).group_by(hour, log.style))
    _replace(GenerationLogDifficultyHour, range_condition(GenerationLogDifficultyHour.hour, hours), select(
        hour, log.difficulty, func.count(), func.sum(cost), func.count(cost),
    ).where(rows, log.success.is_(True)).group_by(hour, log.difficulty))


def _recompute_image_hours(hours):
    image = SOURCES["images"]
    hour = hour_start(image.created_at)
    _replace(GeneratedImageHour, range_condition(GeneratedImageHour.hour, hours), select(
        hour, func.count(), func.sum(case((image.status == "success", 1), else_=0)),
        func.coalesce(func.sum(image.bytes), 0), func.count(image.bytes),
    ).where(range_condition(image.created_at, hours)).group_by(hour))


def _recompute_user_days(source, hours, end):
    """Rebuild the user-day rows of every day the hours touch, over the day's rolled-up part."""
    model = SOURCES[source]
    days = merge_ranges([(floor_day(a), floor_day(b - HOUR) + DAY) for a, b in hours])
    rows = [(a, min(b, end)) for a, b in days]
    day = day_start(model.created_at)
    _replace(RollupUserDay, and_(RollupUserDay.source == source, range_condition(RollupUserDay.day, days)), select(
        literal(source), day, model.user_id, func.min(model.created_at), func.max(model.created_at),
    ).where(model.user_id.is_not(None), range_condition(model.created_at, rows)).group_by(day, model.user_id))
    # One row per user, rebuilt from the user-days (a read of user-days, not of the source rows).
    days = RollupUserDay
    _replace(RollupUser, RollupUser.source == source, select(
        days.source, days.user_id, func.min(days.first_at), func.max(days.last_at),
    ).where(days.source == source).group_by(days.source, days.user_id))

