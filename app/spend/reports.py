"""Spend reports: generations, images, failures, known cost (exact), unknown costs and tokens, grouped.

A window is read in parts, in one snapshot (as the other rollup readers do):
its whole clean weeks before the rollup watermark from the weekly spend
rollups, its other whole clean days from the daily ones, the whole clean
quarters of a day and then hours of what is left (the edge days, days with a
dirty hour) from the quarter-day and hourly ones, and the
rest (the partial hours at its edges, dirty hours, the hours after the
watermark) from generation_logs; the parts are added up in SQL. Costs are
summed as integer micro-dollars, so a report's cost is the exact sum of its
rows' costs. A row with several tags counts under each.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Text, cast, select

from app.extensions import db
from app.models import ApiKey, SpendDay, SpendHour, SpendQuarter, SpendWeek, User
from app.rollup import combine, rollups_enabled, snapshot
from app.rollup.buckets import DAY, QUARTER, WEEK, day_start, floor_day, floor_quarter, floor_week
from app.rollup.plan import merge_ranges, plan_hours, range_condition, read_coverage
from app.rollup.spend import DIMENSIONS
from app.rollup.spend_measures import MEASURES, live_measures, log, rolled_measures, with_tags

GROUPS = ("user", "key", "provider", "model", "tag", "day")
TABLES = {"week": SpendWeek, "day": SpendDay, "quarter": SpendQuarter, "hour": SpendHour}
BUCKETS = {"week": SpendWeek.week, "day": SpendDay.day, "quarter": SpendQuarter.quarter, "hour": SpendHour.hour}
MICRO = Decimal(1_000_000)


COST, GENERATIONS = MEASURES.index("cost_micros"), MEASURES.index("generations")


def _view(counts):
    """A group's counts (in MEASURES order) as the report shows them: the cost in dollars, exact."""
    view = dict(zip(MEASURES, counts, strict=True))
    view["cost_usd"] = (Decimal(view.pop("cost_micros")) / MICRO).quantize(Decimal("0.000001"))
    return view


def _live_group(group_by, where, dialect):
    """generation_logs rows matching ``where``, summed per ``group``: the report's dimension, first, as in
    the rollup parts it is added to."""
    query = select(*live_measures())
    if group_by == "tag":
        query, column = with_tags(query, dialect)
    elif group_by == "day":
        column = day_start(log.created_at)
    else:
        column = cast(DIMENSIONS[group_by], Text)  # as the rollups keep it, so the union groups them together
    return query.with_only_columns(column.label("group"), *query.selected_columns).where(*where).group_by(column)


def _rolled_group(group_by, table, bucket, ranges, skip):
    """``table``'s rows of ``group_by`` in the buckets of ``[start, end)`` but ``skip``, summed per ``group``."""
    start, end = ranges
    if group_by == "day":
        column = bucket if table is SpendDay else day_start(bucket)
    else:
        column = table.value
    where = [table.dimension == group_by, bucket >= start, bucket < end]
    if skip:
        where.append(bucket.not_in(skip))
    return select(column.label("group"), *rolled_measures(table)).where(*where).group_by(column)


# From the coarsest: each level takes the whole clean buckets of what the coarser ones left; hours take the rest.
LEVELS = {"week": (floor_week, WEEK), "day": (floor_day, DAY), "quarter": (floor_quarter, QUARTER)}


@dataclass(frozen=True)
class SpendPlan:
    """``rolled``: (level, ``(start, end)``, buckets to skip) read from the week, day and hour rows;
    ``live``: ranges read from the logs. Disjoint: each log is counted once."""

    rolled: list = field(default_factory=list)
    live: list = field(default_factory=list)


def plan_spend(since, until, coverage, levels=("week", "day", "quarter")):
    """Split ``[since, until)`` into rolled-up weeks, days, quarter-days and hours, and live ranges."""
    if coverage is None:
        return SpendPlan(live=[(since, until)])
    hourly = plan_hours(since, until, coverage)
    if hourly.rollup is None:
        return SpendPlan(live=hourly.live)
    rolled, rest = [], [hourly.rollup]
    for level in levels:
        floor, size = LEVELS[level]
        left = []
        for start, end in rest:
            first, last = (start if floor(start) == start else floor(start) + size), floor(end)
            if first >= last:
                left.append((start, end))
                continue
            # A bucket holding a dirty hour is read from the finer levels (the dirty hour itself live).
            skip = tuple(sorted({floor(hour) for hour in hourly.skip if first <= hour < last}))
            rolled.append((level, (first, last), skip))
            left += [(start, first), (last, end)] + [(bucket, bucket + size) for bucket in skip]
        rest = merge_ranges([(a, b) for a, b in left if a < b])
    rolled += [("hour", (start, end), tuple(h for h in hourly.skip if start <= h < end)) for start, end in rest]
    return SpendPlan(rolled, hourly.live)


def _key(group_by, value):
    """One spelling per group: ids as UUIDs (SQLite keeps them as hex text in the rollup)."""
    if value is not None and group_by in ("user", "key") and not isinstance(value, uuid.UUID):
        return uuid.UUID(str(value))
    return value


def spend_by(group_by, since, until, user_id=None):
    """Spend in ``[since, until)`` per ``group_by`` value (of ``user_id``'s rows only, when given):
    {group value (ids as the database spells them): its counts in MEASURES order}, and the counts of the whole window (each row once)."""
    with snapshot() as connection:
        if connection.dialect.name == "postgresql":
            # The parts are small: starting parallel workers would cost more than they save (this transaction only).
            connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        # A user's own report reads their rows through (user_id, created_at); the rollups serve everyone's.
        coverage = read_coverage(connection, "logs") if rollups_enabled() and user_id is None else None
        groups = _grouped(connection, group_by, since, until, coverage, user_id)
        # a row counts under each of its tags, but once in the window's total
        counted = _grouped(connection, "day", since, until, coverage, user_id) if group_by == "tag" else groups
    whole = tuple(sum(column) for column in zip(*counted.values(), strict=True)) if counted else (0,) * len(MEASURES)
    return groups, whole


def _grouped(connection, group_by, since, until, coverage, user_id):
    """{group value: counts} of the window, its parts planned on ``coverage`` and added up in one statement."""
    # weeks hold no ``day`` dimension: a report by day reads days and hours
    plan = plan_spend(since, until, coverage, ("day", "quarter") if group_by == "day" else ("week", "day", "quarter"))
    # One part per range: each is a range scan of its table's (dimension, bucket) index.
    parts = [_rolled_group(group_by, TABLES[level], BUCKETS[level], ranges, skip) for level, ranges, skip in plan.rolled]
    if plan.live:
        owner = [] if user_id is None else [log.user_id == user_id]
        parts.append(_live_group(group_by, [range_condition(log.created_at, plan.live), *owner], connection.dialect.name))
    union = combine(*parts)
    rows = connection.execute(select(union.c.group, *rolled_measures(union.c)).group_by(union.c.group))
    return {row[0]: tuple(row[1:]) for row in rows}  # the sums are coalesced: never NULL


def spend_report(group_by, since, until, user_id=None, limit=None):
    """The report: rows (largest cost first; days in order), each with its label, and the window's total."""
    groups, whole = spend_by(group_by, since, until, user_id)
    if group_by == "day":
        ordered = sorted(groups.items())
    else:
        ordered = sorted(groups.items(), key=lambda item: (-item[1][COST], -item[1][GENERATIONS], item[0] or ""))
    # Ids become UUIDs only for the rows answered (the ordering of their text is the same).
    ordered = [(_key(group_by, value), counts) for value, counts in (ordered[:limit] if limit else ordered)]
    labels = _labels(group_by, [value for value, _counts in ordered])
    return {"group_by": group_by, "since": since, "until": until, "total": _view(whole),
            "rows": [{"group": _plain(value), "label": labels.get(value), **_view(counts)} for value, counts in ordered]}


def _plain(value):
    return None if value is None else value if isinstance(value, str) else str(value) if not hasattr(
        value, "isoformat") else value.isoformat()


def _labels(group_by, values):
    """Readable names: usernames for users, prefix, name and owner for keys."""
    ids = [value for value in values if value is not None]
    if group_by == "user" and ids:
        return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    if group_by == "key" and ids:
        rows = db.session.execute(select(ApiKey.id, ApiKey.prefix, ApiKey.name, User.username)
                                  .join(User, User.id == ApiKey.user_id).where(ApiKey.id.in_(ids))).all()
        return {row.id: f"{row.prefix}" + (f" ({row.name})" if row.name else "") + f" · {row.username}"
                for row in rows}
    return {}
