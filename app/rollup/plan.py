"""Split a window into rolled-up hours (or user-days) and ranges read live.

A window is ``[since, until)``; either end may be None (unbounded). Rollups
cover every hour before the source's ``rolled_up_until`` (the watermark)
except the dirty ones. Everything else in the window — the partial hours at
its edges, dirty hours, hours after the watermark — is a live range, read
from the source table. Hour plans are disjoint (their counts add up); user
plans may overlap, since they feed ``COUNT(DISTINCT user_id)``.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, false, or_, select, true

from app.models import RollupDirtyHour, RollupState

from .buckets import DAY, HOUR, TICK, ceil_hour, floor_day, floor_hour


@dataclass(frozen=True)
class Coverage:
    """What a source has rolled up: hours before ``until`` except ``dirty`` (None = nothing)."""

    until: datetime | None
    dirty: tuple = ()


def read_coverage(connection, source):
    """The source's watermark and its dirty hours before it."""
    until = connection.scalar(select(RollupState.rolled_up_until).where(RollupState.source == source))
    if until is None:
        return Coverage(None)
    dirty = connection.scalars(
        select(RollupDirtyHour.hour).distinct()
        .where(RollupDirtyHour.source == source, RollupDirtyHour.hour < until)
        .order_by(RollupDirtyHour.hour)
    ).all()
    return Coverage(until, tuple(dirty))


@dataclass
class HourPlan:
    """Rolled-up hours ``[start, end)`` minus ``skip`` (None = none), and live ranges."""

    rollup: tuple | None = None
    skip: tuple = ()
    live: list = field(default_factory=list)
    coverage: Coverage | None = None


def merge_ranges(ranges):
    """Sort ranges and join those that touch or overlap (None bounds are infinite)."""
    ordered = sorted(ranges, key=lambda r: (r[0] is not None, r[0] or 0))
    merged = []
    for start, end in ordered:
        if merged and (merged[-1][1] is None or (start is not None and start <= merged[-1][1])):
            previous = merged[-1]
            merged[-1] = (previous[0], None if end is None or previous[1] is None else max(previous[1], end))
        else:
            merged.append((start, end))
    return merged


def plan_hours(since, until, coverage):
    """Disjoint: full clean rolled-up hours of the window, and the rest as live ranges."""
    if coverage.until is None:
        return HourPlan(live=[(since, until)], coverage=coverage)
    start = None if since is None else ceil_hour(since)
    end = coverage.until if until is None else min(floor_hour(until), coverage.until)
    if start is not None and start >= end:
        return HourPlan(live=[(since, until)], coverage=coverage)
    skip = tuple(hour for hour in coverage.dirty if (start is None or hour >= start) and hour < end)
    live = [(hour, hour + HOUR) for hour in skip]
    if since is not None and since < start:
        live.append((since, start))
    if until is None or end < until:
        live.append((end, until))
    return HourPlan(rollup=(start, end), skip=skip, live=merge_ranges(live), coverage=coverage)


@dataclass
class UserPlan:
    """User-day terms ``(kind, day_or_start, bound, skip)`` and live ranges (overlap allowed)."""

    terms: list = field(default_factory=list)
    live: list = field(default_factory=list)


def plan_users(since, until, coverage):
    """Which user-day rows and which live ranges together hold every user active in the window."""
    watermark = coverage.until
    if watermark is None or (since is not None and since >= watermark):
        return UserPlan(live=[(since, until)])
    plan = UserPlan()
    if until is None or until > watermark:
        plan.live.append((watermark if since is None else max(since, watermark), until))
    end = watermark if until is None else min(until, watermark)  # the window's rolled-up part ends here
    dirty_days = {floor_day(hour) for hour in coverage.dirty}
    last_day = floor_day(end - TICK)

    def day_term(day, kind, bound, portion):
        if day in dirty_days:
            plan.live.append(portion)
        else:
            plan.terms.append((kind, day, bound, ()))

    first = None if since is None else floor_day(since)
    if first is not None and since > first:  # the window starts inside a day
        covered_end = min(first + DAY, watermark)
        if first == last_day and end < covered_end:  # ... and ends inside the same day
            plan.live.append((since, end))
            return plan
        # rows of the day after ``since`` = the day's row when its last activity is at or after ``since``
        day_term(first, "after", since, (since, min(first + DAY, end)))
        first += DAY
        if first > last_day:
            return plan
    stop = last_day + DAY  # interior days [first, stop) are whole (their rolled-up part lies in the window)
    if end < min(last_day + DAY, watermark):  # the window ends inside its last day
        day_term(last_day, "before", end, (last_day, end))
        stop = last_day
    if first is None or first < stop:
        skip = tuple(sorted(day for day in dirty_days if (first is None or day >= first) and day < stop))
        plan.terms.append(("span", first, stop, skip))
        plan.live.extend((day, min(day + DAY, end)) for day in skip)
    return plan


def range_condition(column, ranges):
    """``column`` in any of the ``[start, end)`` ranges (None bounds are open)."""
    clauses = []
    for start, end in ranges:
        parts = [c for c in (None if start is None else column >= start, None if end is None else column < end)
                 if c is not None]
        clauses.append(and_(*parts) if parts else true())
    return or_(*clauses) if clauses else false()


def rollup_condition(column, plan):
    """The rolled-up hours of an HourPlan, on a rollup table's ``hour`` column."""
    start, end = plan.rollup
    clauses = [column < end]
    if start is not None:
        clauses.append(column >= start)
    if plan.skip:
        clauses.append(column.not_in(plan.skip))
    return and_(*clauses)
