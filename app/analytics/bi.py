"""The business-intelligence queries over generation_logs, per time window.

Each function takes ``since``/``until`` (aware UTC datetimes, ``since`` included,
``until`` excluded) and answers the same numbers on SQLite and PostgreSQL:
the dialect-specific parts (hour buckets, the cost inside the JSON, the p95)
are the helpers of ``app/models/query.py``. A cost is ``costs->>'total'``;
when it is absent the cost is unknown and left out of averages and sums.
"""

from datetime import timedelta

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import GenerationLog, OgGeneration
from app.models.query import hour_bucket, json_number, percentile_cont

log = GenerationLog
cost = json_number(log.costs, "total")
is_success = case((log.success.is_(True), 1.0), else_=0.0)


def _in(since, until, model=GenerationLog):
    return and_(model.created_at >= since, model.created_at < until)


def _num(value, digits=6):
    return None if value is None else round(float(value), digits)


def top_styles(since, until):
    """Styles by success rate, with total generations and average cost."""
    success_rate = func.avg(is_success)
    query = (
        select(log.style, func.count().label("n"), success_rate.label("rate"), func.avg(cost).label("cost"))
        .where(_in(since, until))
        .group_by(log.style)
        .order_by(success_rate.desc(), func.count().desc(), log.style.asc().nulls_last())
    )
    return [
        {"style": row.style, "total_generations": row.n, "success_rate": _num(row.rate),
         "avg_cost": _num(row.cost)}
        for row in db.session.execute(query)
    ]


def engagement_by_hour(since, until):
    """Generations and unique users per UTC hour."""
    hour = hour_bucket(log.created_at)
    query = (
        select(hour.label("hour"), func.count().label("n"), func.count(log.user_id.distinct()).label("users"))
        .where(_in(since, until))
        .group_by(hour)
        .order_by(hour)
    )
    return [{"hour": row.hour, "generations": row.n, "unique_users": row.users}
            for row in db.session.execute(query)]


def cost_by_difficulty(since, until):
    """Successful generations per difficulty: count, average and total cost."""
    query = (
        select(log.difficulty, func.count().label("n"), func.avg(cost).label("avg"), func.sum(cost).label("total"))
        .where(_in(since, until), log.success.is_(True))
        .group_by(log.difficulty)
        .order_by(log.difficulty.asc().nulls_last())
    )
    return [
        {"difficulty": row.difficulty, "generations": row.n, "avg_cost": _num(row.avg),
         "total_cost": _num(row.total)}
        for row in db.session.execute(query)
    ]


def latency_by_style(since, until, fraction=0.95):
    """Successful generations per style: average and p95 duration (PERCENTILE_CONT)."""
    query = (
        select(log.style, func.count().label("n"), func.avg(log.duration_ms).label("avg"),
               percentile_cont(fraction, log.duration_ms).label("p95"))
        .where(_in(since, until), log.success.is_(True))
        .group_by(log.style)
        .order_by(log.style.asc().nulls_last())
    )
    return [
        {"style": row.style, "generations": row.n, "avg_duration_ms": _num(row.avg, 3),
         "p95_duration_ms": _num(row.p95, 3)}
        for row in db.session.execute(query)
    ]


def errors(since, until, limit=100, user_id=None):
    """Failed generations by error message: count and average time to fail (of one user if given)."""
    owner = [] if user_id is None else [log.user_id == user_id]
    query = (
        select(log.error_message, func.count().label("n"), func.avg(log.duration_ms).label("avg"))
        .where(_in(since, until), log.success.is_(False), *owner)
        .group_by(log.error_message)
        .order_by(func.count().desc(), log.error_message.asc().nulls_last())
        .limit(limit)
    )
    return [{"error_message": row.error_message, "error_count": row.n, "avg_failure_time_ms": _num(row.avg, 3)}
            for row in db.session.execute(query)]


def user_retention(until):
    """Users active in the week before ``until`` who had also been active the week before that."""
    week = timedelta(days=7)
    previous = select(log.user_id).where(_in(until - 2 * week, until - week), log.user_id.is_not(None))
    later = aliased(GenerationLog)
    came_back = previous.where(
        exists().where(later.user_id == log.user_id, _in(until - week, until, later))
    )
    cohort, returned = _count_distinct(previous), _count_distinct(came_back)
    return {
        "previous_week_users": cohort,
        "returning_users": returned,
        "retention_rate": _num(returned / cohort) if cohort else None,
    }


def _count_distinct(query):
    return db.session.scalar(select(func.count()).select_from(query.distinct().subquery()))


def dashboard(since, until):
    """The BI dashboard: generations per hour, success rate, average cost, retention."""
    row = db.session.execute(
        select(func.count().label("n"), func.avg(is_success).label("rate"), func.avg(cost).label("cost"))
        .where(_in(since, until))
    ).one()
    hours = max((until - since).total_seconds() / 3600, 1 / 60)
    return {
        "since": since,
        "until": until,
        "generations": row.n,
        "generations_per_hour": _num(row.n / hours, 3),
        "success_rate": _num(row.rate),
        "avg_cost_per_generation": _num(row.cost),
        "per_hour": engagement_by_hour(since, until),
        "retention": user_retention(until),
    }


def by_country(since, until, source="logs"):
    """Generations (``logs``) or OG renders (``og``) per country; None = unknown."""
    model = GenerationLog if source == "logs" else OgGeneration
    query = (
        select(model.country, func.count().label("n"))
        .where(_in(since, until, model))
        .group_by(model.country)
        .order_by(func.count().desc(), model.country.asc().nulls_last())
    )
    return [{"country": row.country, "count": row.n} for row in db.session.execute(query)]
