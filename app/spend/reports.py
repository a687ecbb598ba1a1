"""Spend reports: generations, images, failures, known cost (exact), unknown costs and tokens, grouped.

A window is read in three parts, in one snapshot (as the other rollup
readers do): its whole clean days before the rollup watermark from the daily
spend rollups, its other whole clean hours before the watermark (the edge
days, days with a dirty hour) from the hourly ones, and the rest (the partial
hours at its edges, dirty hours, the hours after the watermark) from
generation_logs. Costs are summed as integer micro-dollars, so a report's cost
is the exact sum of its rows' costs. A row with several tags counts under each.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Text, cast, select

from app.extensions import db
from app.models import ApiKey, SpendDay, SpendHour, User
from app.rollup import combine, rollups_enabled, snapshot
from app.rollup.buckets import DAY, day_start, floor_day
from app.rollup.plan import merge_ranges, plan_hours, range_condition, read_coverage
from app.rollup.spend import DIMENSIONS
from app.rollup.spend_measures import MEASURES, live_measures, log, rolled_measures, with_tags

GROUPS = ("user", "key", "provider", "model", "tag", "day")
MICRO = Decimal(1_000_000)


@dataclass
class Totals:
    values: dict = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    def add(self, row):
        for name in MEASURES:
            self.values[name] += int(getattr(row, name) or 0)

    def view(self):
        values = dict(self.values)
        cost = Decimal(values.pop("cost_micros")) / MICRO
        return {**values, "cost_usd": cost.quantize(Decimal("0.000001"))}


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
    skip = [moment for moment in skip if start <= moment < end]
    if skip:
        where.append(bucket.not_in(skip))
    return select(column.label("group"), *rolled_measures(table)).where(*where).group_by(column)


@dataclass(frozen=True)
class SpendPlan:
    """Whole days ``(start, end)`` from the daily rows but ``skip_days``; hour ranges from the hourly rows
    but ``skip_hours`` (dirty); live ranges from the logs. Disjoint: each log is counted once."""

    days: tuple | None = None
    skip_days: tuple = ()
    hours: list = field(default_factory=list)
    skip_hours: tuple = ()
    live: list = field(default_factory=list)


def plan_spend(since, until, coverage):
    """Split ``[since, until)`` into rolled-up days, rolled-up hours and live ranges."""
    if coverage is None:
        return SpendPlan(live=[(since, until)])
    hourly = plan_hours(since, until, coverage)
    if hourly.rollup is None:
        return SpendPlan(live=hourly.live)
    start, end = hourly.rollup
    first, last = (start if start == floor_day(start) else floor_day(start) + DAY), floor_day(end)
    if first >= last:
        return SpendPlan(hours=[(start, end)], skip_hours=hourly.skip, live=hourly.live)
    # A day with a dirty hour is read from its clean hours (and its dirty ones live).
    skip_days = tuple(sorted({floor_day(hour) for hour in hourly.skip}))
    hours = [(start, first), (last, end)] + [(day, day + DAY) for day in skip_days]
    return SpendPlan((first, last), skip_days, merge_ranges([(a, b) for a, b in hours if a < b]),
                     hourly.skip, hourly.live)


def _key(group_by, value):
    """One spelling per group: ids as UUIDs (SQLite keeps them as hex text in the rollup)."""
    if value is not None and group_by in ("user", "key") and not isinstance(value, uuid.UUID):
        return uuid.UUID(str(value))
    return value


def spend_by(group_by, since, until, user_id=None):
    """Spend in ``[since, until)`` per ``group_by`` value (of ``user_id``'s rows only, when given):
    {group value: Totals}, and the Totals of the whole window (each row once)."""
    groups, whole = {}, Totals()
    with snapshot() as connection:
        # A user's own report reads their rows through (user_id, created_at); the rollups serve everyone's.
        coverage = read_coverage(connection, "logs") if rollups_enabled() and user_id is None else None
        plan = plan_spend(since, until, coverage)
        owner = [] if user_id is None else [log.user_id == user_id]
        parts = []
        if plan.days:
            parts.append(_rolled_group(group_by, SpendDay, SpendDay.day, plan.days, plan.skip_days))
        # One part per range: each is a range scan of the (dimension, hour) index.
        parts += [_rolled_group(group_by, SpendHour, SpendHour.hour, hours, plan.skip_hours) for hours in plan.hours]
        if plan.live:
            where = [range_condition(log.created_at, plan.live), *owner]
            parts.append(_live_group(group_by, where, connection.dialect.name))
        # The parts are added up in SQL: one row per group comes back.
        union = combine(*parts)
        rows = connection.execute(select(union.c.group, *rolled_measures(union.c)).group_by(union.c.group)).all()
    for row in rows:
        groups.setdefault(_key(group_by, row.group), Totals()).add(row)
        whole.add(row)
    if group_by == "tag":  # a row counts under each of its tags, but once in the window's total
        whole = spend_by("day", since, until, user_id)[1]
    return groups, whole


def spend_report(group_by, since, until, user_id=None, limit=None):
    """The report: rows (largest cost first; days in order), each with its label, and the window's total."""
    groups, whole = spend_by(group_by, since, until, user_id)
    rows = [{"value": value, "group": _plain(value), **totals.view()} for value, totals in groups.items()]
    if group_by == "day":
        rows.sort(key=lambda row: row["group"])
    else:
        rows.sort(key=lambda row: (-row["cost_usd"], -row["generations"], str(row["group"])))
    rows = rows[:limit] if limit else rows
    labels = _labels(group_by, [row["value"] for row in rows])
    return {"group_by": group_by, "since": since, "until": until, "total": whole.view(),
            "rows": [{**row, "label": labels.get(row.pop("value"))} for row in rows]}


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
