"""Calendar periods (day, week from Monday, month) in the budgets' time zone, as UTC bounds."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month")


def period_bounds(period, now, zone="UTC"):
    """``[start, end)`` of the calendar ``period`` holding ``now``, in ``zone``, as aware UTC datetimes."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    if period == "day":
        start = local.date()
        end = start + timedelta(days=1)
    elif period == "week":
        start = local.date() - timedelta(days=local.weekday())
        end = start + timedelta(days=7)
    elif period == "month":
        start = local.date().replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    # Midnights built from dates, so a DST change inside the period moves neither bound.
    return _midnight(start, tz), _midnight(end, tz)


def _midnight(day, tz):
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
