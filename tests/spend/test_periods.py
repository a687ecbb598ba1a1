"""Budgets run over calendar periods of BUDGET_TIMEZONE; a zone that does not exist is refused at start."""

from datetime import UTC, datetime

import pytest

from app.governance.periods import period_bounds


@pytest.mark.parametrize("zone", ["Mars/Olympus", "utc+2", "../etc/passwd", "/etc/localtime"])
def test_an_unknown_budget_timezone_is_refused_at_start_naming_the_setting(make_app, zone):
    with pytest.raises(RuntimeError, match=r"BUDGET_TIMEZONE must be an IANA time zone .*not '") as refused:
        make_app(BUDGET_TIMEZONE=zone)
    assert repr(zone) in str(refused.value)


def test_a_known_budget_timezone_starts_and_its_month_runs_from_local_midnight(make_app):
    app = make_app(BUDGET_TIMEZONE="Europe/Paris")
    assert app.config["BUDGET_TIMEZONE"] == "Europe/Paris"
    start, end = period_bounds("month", datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Europe/Paris")
    # 22:30 UTC on 31 March is already April in Paris (summer time, UTC+2); April ends in summer time too
    assert (start, end) == (datetime(2026, 3, 31, 22, tzinfo=UTC), datetime(2026, 4, 30, 22, tzinfo=UTC))
    week = period_bounds("week", datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Paris")  # a Sunday, DST day
    assert week == (datetime(2026, 3, 22, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
