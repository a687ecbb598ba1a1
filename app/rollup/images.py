"""The image stats of ``/history/images/stats`` from the hourly image rollups plus live edges."""

from sqlalchemy import case, func, select

from app.models import GeneratedImage, GeneratedImageHour

from . import combine, rollups_enabled, snapshot
from .buckets import TICK
from .plan import plan_hours, range_condition, read_coverage, rollup_condition
from .users import count_users


def image_stats(criteria, user_id=None):
    """``history.stats.image_stats`` from rollups, or None when they cannot answer: rollups off,
    one user's view, or filters other than ``from``/``to``."""
    filters = {key for key, value in criteria.items() if value is not None}
    if not rollups_enabled() or user_id is not None or filters - {"date_from", "date_to"}:
        return None
    since = criteria.get("date_from")
    until = criteria["date_to"] + TICK if criteria.get("date_to") else None  # ``to`` is inclusive
    image, hourly = GeneratedImage, GeneratedImageHour
    with snapshot() as connection:
        coverage = read_coverage(connection, "images")
        plan = plan_hours(since, until, coverage)
        rolled = live = None
        if plan.rollup:
            rolled = select(hourly.images.label("n"), hourly.successes.label("ok"), hourly.bytes_sum.label("size"),
                            hourly.bytes_count.label("sized")).where(rollup_condition(hourly.hour, plan))
        if plan.live:
            live = select(func.count().label("n"), func.sum(case((image.status == "success", 1), else_=0)),
                          func.sum(image.bytes), func.count(image.bytes)
                          ).where(range_condition(image.created_at, plan.live))
        groups = combine(rolled, live)
        row = connection.execute(select(*(func.sum(column) for column in groups.c))).one()
        total, successful, size, sized = (int(value or 0) for value in row)
        unique = count_users(connection, "images", since, until, coverage)
    return {
        "total_images": total,
        "unique_users": unique,
        "successful": successful,
        "failed": total - successful,
        "avg_file_size": round(size / sized, 2) if sized else None,
    }
