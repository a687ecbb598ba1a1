"""The analytics that scan whole windows, answered from hourly rollups plus live edges.

Same arguments and answers as ``app/analytics/bi.py`` (which
remains the direct queries: HISTORY_ROLLUPS off, and the reference in the
tests). Rolled-up rows and live groups meet in one statement, so grouping,
ordering and collation are the database's, as in the direct queries.
"""

from datetime import timedelta

from sqlalchemy import Float, case, cast, func, select

from app.models import (
    GenerationLog,
    GenerationLogDifficultyHour,
    GenerationLogHour,
    GenerationLogStyleHour,
)
from app.models.query import hour_bucket, json_number
from app.rollup import combine, rollups_enabled, snapshot
from app.rollup.plan import plan_hours, range_condition, read_coverage, rollup_condition
from app.rollup.users import user_retention

from . import bi

log = GenerationLog
cost = json_number(log.costs, "total")
ok = case((log.success.is_(True), 1), else_=0)
_num = bi._num
TICK = timedelta(microseconds=1)


def _log_groups(plan, rollup, key=None, successful=False):
    """Rolled-up and live generation_logs (grouped by ``key``): n, ok, cost_sum, cost_count."""
    rolled = live = None
    keys = [] if key is None else [key]
    if plan.rollup:
        n = rollup.successes if successful else rollup.generations
        rolled = select(*(getattr(rollup, k) for k in keys), n.label("n"), rollup.successes.label("ok"),
                        rollup.cost_sum, rollup.cost_count).where(rollup_condition(rollup.hour, plan))
    if plan.live:
        columns = [getattr(log, k) for k in keys]
        where = [range_condition(log.created_at, plan.live)] + ([log.success.is_(True)] if successful else [])
        live = select(*columns, func.count().label("n"), func.sum(ok).label("ok"), func.sum(cost).label("cost_sum"),
                      func.count(cost).label("cost_count")).where(*where).group_by(*columns)
    return combine(rolled, live)


def _ratio(numerator, denominator):
    # A plain "/" between doubles: what AVG computes, on both databases (no NUMERIC cast).
    return cast(numerator, Float).op("/", return_type=Float)(cast(func.nullif(denominator, 0), Float))


def _avg_cost(groups):
    return _ratio(func.sum(groups.c.cost_sum), func.sum(groups.c.cost_count))


def top_styles(since, until):
    """Styles by success rate, with total generations and average cost (``bi.top_styles``)."""
    if not rollups_enabled():
        return bi.top_styles(since, until)
    with snapshot() as connection:
        plan = plan_hours(since, until, read_coverage(connection, "logs"))
        groups = _log_groups(plan, GenerationLogStyleHour, "style")
        n = func.sum(groups.c.n)
        rate = _ratio(func.sum(groups.c.ok), n)
        query = (select(groups.c.style, n.label("n"), rate.label("rate"), _avg_cost(groups).label("cost"))
                 .group_by(groups.c.style)
                 .order_by(rate.desc(), n.desc(), groups.c.style.asc().nulls_last()))
        return [{"style": row.style, "total_generations": int(row.n), "success_rate": _num(row.rate),
                 "avg_cost": _num(row.cost)} for row in connection.execute(query)]


def cost_by_difficulty(since, until):
    """Successful generations per difficulty: count, average and total cost (``bi.cost_by_difficulty``)."""
    if not rollups_enabled():
        return bi.cost_by_difficulty(since, until)
    with snapshot() as connection:
        plan = plan_hours(since, until, read_coverage(connection, "logs"))
        groups = _log_groups(plan, GenerationLogDifficultyHour, "difficulty", successful=True)
        n = func.sum(groups.c.n)
        query = (select(groups.c.difficulty, n.label("n"), _avg_cost(groups).label("avg"),
                        func.sum(groups.c.cost_sum).label("total"))
                 .group_by(groups.c.difficulty).having(n > 0)
                 .order_by(groups.c.difficulty.asc().nulls_last()))
        return [{"difficulty": row.difficulty, "generations": int(row.n), "avg_cost": _num(row.avg),
                 "total_cost": _num(row.total)} for row in connection.execute(query)]


def _engagement(connection, plan):
    rows = []
    if plan.rollup:
        hours = GenerationLogHour
        rows += connection.execute(select(hours.hour, hours.generations, hours.unique_users)
                                   .where(rollup_condition(hours.hour, plan))).all()
    if plan.live:
        hour = hour_bucket(log.created_at)
        rows += connection.execute(
            select(hour, func.count(), func.count(log.user_id.distinct()))
            .where(range_condition(log.created_at, plan.live)).group_by(hour)
        ).all()
    # Rolled-up and live hours are disjoint: a merge is a sort.
    return [{"hour": hour, "generations": int(n), "unique_users": int(users)} for hour, n, users in sorted(rows)]


def engagement_by_hour(since, until):
    """Generations and unique users per UTC hour (``bi.engagement_by_hour``)."""
    if not rollups_enabled():
        return bi.engagement_by_hour(since, until)
    with snapshot() as connection:
        return _engagement(connection, plan_hours(since, until, read_coverage(connection, "logs")))


def dashboard(since, until):
    """The BI dashboard (``bi.dashboard``): totals and the per-hour series from rollups."""
    if not rollups_enabled():
        return bi.dashboard(since, until)
    with snapshot() as connection:
        plan = plan_hours(since, until, read_coverage(connection, "logs"))
        groups = _log_groups(plan, GenerationLogHour)
        row = connection.execute(select(func.sum(groups.c.n).label("n"), func.sum(groups.c.ok).label("ok"),
                                        _avg_cost(groups).label("cost"))).one()
        n = int(row.n or 0)
        cohort, returned = user_retention(connection, until, plan.coverage)
        hours = max((until - since).total_seconds() / 3600, 1 / 60)
        return {
            "since": since,
            "until": until,
            "generations": n,
            "generations_per_hour": _num(n / hours, 3),
            "success_rate": _num(int(row.ok) / n) if n else None,
            "avg_cost_per_generation": _num(row.cost),
            "per_hour": _engagement(connection, plan),
            "retention": {"previous_week_users": cohort, "returning_users": returned,
                          "retention_rate": _num(returned / cohort) if cohort else None},
        }
