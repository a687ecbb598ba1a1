"""Spend reports: generations, images, failures, known cost (exact), unknown costs and tokens, grouped.

Whole days before the rollup watermark come from the daily spend rollups
and the rest of the window (its partial days, dirty days, today) from
generation_logs, in one snapshot (as ``app/history/rollup/queries.py``
does); costs are summed as integer micro-dollars, so a report's cost is the
exact sum of its rows' costs. A row with several tags counts under each.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, SpendDay, User
from app.rollup import rollups_enabled, snapshot
from app.rollup.buckets import DAY, day_start, floor_day
from app.rollup.plan import merge_ranges, range_condition, read_coverage
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


def _live_group(group_by, query, dialect):
    """``query`` over generation_logs grouped by the report's dimension, selected as ``group``."""
    if group_by == "tag":
        query, column = with_tags(query, dialect)
    elif group_by == "day":
        column = day_start(log.created_at)
    else:
        column = DIMENSIONS[group_by]
    return query.add_columns(column.label("group")).group_by(column)


def _rolled_group(group_by, days, skip):
    """The spend_days rows of ``group_by`` over whole days ``[start, end)`` but ``skip``, summed per ``group``."""
    start, end = days
    column = SpendDay.day if group_by == "day" else SpendDay.value
    where = [SpendDay.dimension == group_by, SpendDay.day >= start, SpendDay.day < end]
    if skip:
        where.append(SpendDay.day.not_in(skip))
    return select(column.label("group"), *rolled_measures(SpendDay)).where(*where).group_by(column)


def plan_days(since, until, coverage):
    """(whole clean rolled-up days ``(start, end)`` or None, dirty days to skip, live ranges)."""
    if coverage is None or coverage.until is None:
        return None, (), [(since, until)]
    start = since if since == floor_day(since) else floor_day(since) + DAY
    end = min(floor_day(until), floor_day(coverage.until))
    if start >= end:
        return None, (), [(since, until)]
    skip = tuple(sorted({floor_day(hour) for hour in coverage.dirty if start <= floor_day(hour) < end}))
    live = [(day, day + DAY) for day in skip] + [(since, start), (end, until)]
    return (start, end), skip, merge_ranges([(a, b) for a, b in live if a < b])


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
        days, skip, live = plan_days(since, until, coverage)
        owner = [] if user_id is None else [log.user_id == user_id]
        rows = []
        if days:
            rows += connection.execute(_rolled_group(group_by, days, skip)).all()
        if live:
            query = select(*live_measures()).where(range_condition(log.created_at, live), *owner)
            rows += connection.execute(_live_group(group_by, query, connection.dialect.name)).all()
    for row in rows:
        groups.setdefault(_key(group_by, row.group), Totals()).add(row)
        whole.add(row)
    if group_by == "tag":  # a row counts under each of its tags, but once in the window's total
        whole = spend_by("day", since, until, user_id)[1]
    return groups, whole


def spend_report(group_by, since, until, user_id=None, limit=None):
    """The report: rows (largest cost first; days in order), each with its label, and the window's total."""
    groups, whole = spend_by(group_by, since, until, user_id)
    labels = _labels(group_by, list(groups))
    rows = [{"group": _plain(value), "label": labels.get(value), **totals.view()} for value, totals in groups.items()]
    if group_by == "day":
        rows.sort(key=lambda row: row["group"])
    else:
        rows.sort(key=lambda row: (-row["cost_usd"], -row["generations"], str(row["group"])))
    return {"group_by": group_by, "since": since, "until": until, "rows": rows[:limit] if limit else rows,
            "total": whole.view()}


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
