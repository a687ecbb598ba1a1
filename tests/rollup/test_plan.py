"""The window plans, checked against brute force on random windows, coverages and rows."""

import random
from datetime import UTC, datetime, timedelta

from app.rollup.buckets import DAY, HOUR, floor_day, floor_hour
from app.rollup.plan import Coverage, merge_ranges, plan_hours, plan_users

BASE = datetime(2025, 3, 1, tzinfo=UTC)


def _moment(rng, span_days=6):
    moment = BASE + timedelta(seconds=rng.randrange(span_days * 86400))
    if rng.random() < 0.3:  # on an hour or a day boundary
        moment = floor_hour(moment) if rng.random() < 0.7 else floor_day(moment)
    return moment + timedelta(microseconds=rng.choice([0, 0, 1, 999_999]))


def _inside(moment, start, end):
    return (start is None or moment >= start) and (end is None or moment < end)


def _coverage(rng):
    if rng.random() < 0.1:
        return Coverage(None)
    until = floor_hour(_moment(rng))
    dirty = sorted({floor_hour(_moment(rng)) for _ in range(rng.randrange(4))} - {until})
    return Coverage(until, tuple(hour for hour in dirty if hour < until))


def _window(rng):
    since, until = sorted([_moment(rng), _moment(rng)])
    if since == until:
        until += timedelta(microseconds=1)
    return (None if rng.random() < 0.1 else since), (None if rng.random() < 0.1 else until)


def test_hour_plans_cover_each_moment_of_the_window_exactly_once():
    rng = random.Random(1)
    for _ in range(3000):
        coverage, (since, until) = _coverage(rng), _window(rng)
        plan = plan_hours(since, until, coverage)
        for _ in range(40):
            moment = _moment(rng)
            rolled = plan.rollup is not None and _inside(floor_hour(moment), *plan.rollup) \
                and floor_hour(moment) not in plan.skip
            if rolled:  # a rolled-up hour must be whole, clean and before the watermark
                assert _inside(floor_hour(moment), since, until) and _inside(floor_hour(moment) + HOUR - timedelta(
                    microseconds=1), since, until)
                assert floor_hour(moment) < coverage.until and floor_hour(moment) not in coverage.dirty
            live = sum(_inside(moment, *r) for r in plan.live)
            assert live <= 1
            assert rolled + live == _inside(moment, since, until), (since, until, coverage, plan, moment)


def test_user_plans_find_exactly_the_users_of_the_window():
    rng = random.Random(2)
    for _ in range(1500):
        coverage, (since, until) = _coverage(rng), _window(rng)
        rows = [(rng.randrange(8), _moment(rng)) for _ in range(60)]
        # the user-day rollup as refresh builds it: rows of clean days before the watermark
        days = {}
        for user, moment in rows:
            day = floor_day(moment)
            if coverage.until is not None and moment < coverage.until:
                first, last = days.get((day, user), (moment, moment))
                days[(day, user)] = (min(first, moment), max(last, moment))
        # rows of a day with a dirty hour are stale: make them wrong, the plan must not read them
        for day in {floor_day(hour) for hour in coverage.dirty}:
            for user in range(8):
                days.pop((day, user), None)
                if rng.random() < 0.5:
                    days[(day, user)] = (day, day + DAY - timedelta(microseconds=1))
        plan = plan_users(since, until, coverage)
        found = {user for user, moment in rows if any(_inside(moment, *r) for r in plan.live)}
        for kind, start, bound, skip in plan.terms:
            for (day, user), (first, last) in days.items():
                if kind == "after" and day == start and last >= bound \
                        or kind == "before" and day == start and first < bound \
                        or kind == "span" and _inside(day, start, bound) and day not in skip:
                    found.add(user)
        expected = {user for user, moment in rows if _inside(moment, since, until)}
        assert found == expected, (since, until, coverage, plan)


def test_merge_ranges_joins_touching_and_open_ranges():
    a, b, c = BASE, BASE + HOUR, BASE + DAY
    assert merge_ranges([(b, c), (a, b)]) == [(a, c)]
    assert merge_ranges([(c, None), (a, b)]) == [(a, b), (c, None)]
    assert merge_ranges([(None, b), (a, c)]) == [(None, c)]
