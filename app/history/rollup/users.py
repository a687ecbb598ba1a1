"""Distinct users of a window from user-day rollups plus live rows: image stats and retention."""

from datetime import timedelta

from sqlalchemy import and_, func, or_, select, union_all

from app.models import RollupUserDay

from . import SOURCES
from .plan import plan_users, range_condition, read_coverage

WEEK = timedelta(days=7)


def _term_condition(term):
    day = RollupUserDay.day
    kind, start, bound, skip = term
    if kind == "after":
        return and_(day == start, RollupUserDay.last_at >= bound)
    if kind == "before":
        return and_(day == start, RollupUserDay.first_at < bound)
    clauses = [day < bound] + ([day >= start] if start is not None else [])
    if skip:
        clauses.append(day.not_in(skip))
    return and_(*clauses)


def user_ids(source, since, until, coverage):
    """A SELECT of user ids (with repeats) holding every user active in ``[since, until)``."""
    plan = plan_users(since, until, coverage)
    model = SOURCES[source]
    parts = []
    if plan.terms:
        parts.append(select(RollupUserDay.user_id.label("user_id")).where(
            RollupUserDay.source == source, or_(*(_term_condition(term) for term in plan.terms))
        ))
    if plan.live:
        parts.append(select(model.user_id.label("user_id")).where(
            model.user_id.is_not(None), range_condition(model.created_at, plan.live)
        ))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def count_users(connection, source, since, until, coverage=None):
    """How many distinct users have a row in ``[since, until)`` (either bound None = open)."""
    coverage = coverage or read_coverage(connection, source)
    ids = user_ids(source, since, until, coverage).subquery()
    return connection.scalar(select(func.count(ids.c.user_id.distinct())))


def user_retention(connection, until):
    """Like ``bi.user_retention``: users of the week before last, and how many came back last week."""
    coverage = read_coverage(connection, "logs")
    previous = select(user_ids("logs", until - 2 * WEEK, until - WEEK, coverage).subquery().c.user_id).distinct()
    cohort_users = previous.subquery()
    later = user_ids("logs", until - WEEK, until, coverage).subquery()
    cohort = connection.scalar(select(func.count()).select_from(cohort_users))
    returned = connection.scalar(
        select(func.count()).select_from(cohort_users)
        .where(cohort_users.c.user_id.in_(select(later.c.user_id)))
    )
    return cohort, returned
