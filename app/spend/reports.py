"""Spend reports: generations, images, failures, known cost (exact), unknown costs and tokens, grouped.

Rolled-up hours come from the spend rollups and the rest of the window from
generation_logs, in one snapshot (as ``app/history/rollup/queries.py``
does); costs are summed as integer micro-dollars, so a report's cost is the
exact sum of its rows' costs. A row with several tags counts under each.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.history.rollup import rollups_enabled, snapshot
from app.history.rollup.buckets import day_start
from app.history.rollup.plan import (
    HourPlan,
    plan_hours,
    range_condition,
    read_coverage,
    rollup_condition,
)
from app.models import ApiKey, SpendHour, SpendTagHour, User

from .measures import MEASURES, live_measures, log, rolled_measures, with_tags

GROUPS = ("user", "key", "provider", "model", "tag", "day")
MICRO = Decimal(1_000_000)
# group -> (column of generation_logs, column of spend_hours); tag and day are built below.
_KEYS = {"user": "user_id", "key": "api_key_id", "provider": "provider", "model": "model"}


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


def _group_columns(group_by, rollup_table, dialect, query_live, query_rolled):
    """(live query, rolled query) with the group's column selected as ``group``."""
    if group_by == "tag":
        live, tag = with_tags(query_live, dialect)
        return live.add_columns(tag.label("group")).group_by(tag), query_rolled.add_columns(
            SpendTagHour.tag.label("group")).group_by(SpendTagHour.tag)
    if group_by == "day":
        live_day, rolled_day = day_start(log.created_at), day_start(rollup_table.hour)
        return (query_live.add_columns(live_day.label("group")).group_by(live_day),
                query_rolled.add_columns(rolled_day.label("group")).group_by(rolled_day))
    name = _KEYS[group_by]
    live_column, rolled_column = getattr(log, name), getattr(rollup_table, name)
    return (query_live.add_columns(live_column.label("group")).group_by(live_column),
            query_rolled.add_columns(rolled_column.label("group")).group_by(rolled_column))


def spend_by(group_by, since, until, user_id=None):
    """Spend in ``[since, until)`` per ``group_by`` value (of ``user_id``'s rows only, when given):
    {group value: Totals}, and the Totals of the whole window."""
    table = SpendTagHour if group_by == "tag" else SpendHour
    groups, whole = {}, Totals()
    with snapshot() as connection:
        dialect = connection.dialect.name
        coverage = read_coverage(connection, "logs") if rollups_enabled() else None
        plan = plan_hours(since, until, coverage) if coverage else HourPlan(live=[(since, until)])
        owner_live = [] if user_id is None else [log.user_id == user_id]
        owner_rolled = [] if user_id is None else [table.user_id == user_id]
        live, rolled = _group_columns(
            group_by, table, dialect,
            select(*live_measures()).where(range_condition(log.created_at, plan.live), *owner_live),
            select(*rolled_measures(table)).where(*owner_rolled))
        rows = []
        if plan.rollup:
            rows += connection.execute(rolled.where(rollup_condition(table.hour, plan))).all()
        if plan.live:
            rows += connection.execute(live).all()
        if group_by == "tag":  # the window's totals count a row once, whatever its tags
            whole = spend_by("user", since, until, user_id)[1]
    for row in rows:
        groups.setdefault(row.group, Totals()).add(row)
        if group_by != "tag":
            whole.add(row)
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
