"""Distinct users of a window from user-day rollups plus live rows: image stats and retention."""

from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select, union_all

from app.models import RollupUser, RollupUserDay

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


def _per_user(source, since, until, coverage):
    """Users of the rolled-up part from one row each, when the window is open or reaches the watermark.

    Only while no hour is dirty: a dirty hour may hold any user's first or last row.
    """
    watermark = coverage.until
    if watermark is None or coverage.dirty or (since is not None and since >= watermark):
        return None
    if since is not None and until is not None and until < watermark:
        return None
    where = [RollupUser.source == source]
    if since is not None:
        where.append(RollupUser.last_at >= since)
    if until is not None and until < watermark:
        where.append(RollupUser.first_at < until)
    live = None if until is not None and until <= watermark else (watermark if since is None else max(since, watermark),
                                                                  until)
    return select(RollupUser.user_id.label("user_id")).where(*where), live


def user_ids(source, since, until, coverage):
    """A SELECT of user ids (with repeats) holding every user active in ``[since, until)``."""
    model = SOURCES[source]
    parts = []
    per_user = _per_user(source, since, until, coverage)
    if per_user is not None:
        rolled, live = per_user
        parts.append(rolled)
        if live is not None:
            parts.append(select(model.user_id.label("user_id")).where(
                model.user_id.is_not(None), range_condition(model.created_at, [live])))
        return parts[0] if len(parts) == 1 else union_all(*parts)
    plan = plan_users(since, until, coverage)
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


def user_retention(connection, until, coverage=None):
    """Like ``bi.user_retention``: (users of the week before last, how many of them came back last week)."""
    coverage = coverage or read_coverage(connection, "logs")
    cohort = select(user_ids("logs", until - 2 * WEEK, until - WEEK, coverage).subquery().c.user_id).distinct()
    cohort = cohort.subquery()
    later = user_ids("logs", until - WEEK, until, coverage).subquery()
    came_back = case((cohort.c.user_id.in_(select(later.c.user_id)), 1), else_=0)
    row = connection.execute(select(func.count(), func.coalesce(func.sum(came_back), 0)).select_from(cohort)).one()
    return int(row[0]), int(row[1])
