"""A spend report whose window starts and ends inside a day reads whole weeks from the weekly rollups, other
whole days from the daily ones, edge hours from the hourly ones and the partial hours from the logs, and its
sums stay exactly the rows' sums: before any refresh, after one, with a late row in a rolled-up hour, and
after the refresh that follows."""

import random
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from app.auth import service
from app.extensions import db
from app.models import GenerationLog
from app.models.types import utcnow
from app.rollup.buckets import DAY, HOUR, WEEK, floor_day, floor_week
from app.rollup.plan import read_coverage
from app.rollup.refresh import refresh_rollups
from app.spend.reports import plan_spend, spend_report
from app.spend.schemas import SpendReportSchema
from tests.support import bearer

GROUPS = ("user", "key", "provider", "model", "tag", "day")
MEASURES = ("generations", "failed", "images", "unknown_cost", "tokens_in", "tokens_out")


def _rows(users, keys, day0):
    """Logs every 20 minutes or so over 18 days from ``day0``, on hour boundaries too, with six-decimal costs."""
    rng = random.Random(7)
    moments = [day0 + timedelta(minutes=20 * n + rng.randrange(20)) for n in range(18 * 72)]
    moments += [day0 + timedelta(hours=5, minutes=30), day0 + timedelta(hours=6), day0 + 16 * DAY + timedelta(hours=14)]
    rows = []
    for moment in moments:
        failed = rng.random() < 0.1
        cost = None if rng.random() < 0.1 else Decimal(rng.randrange(1, 90_000)) / 1_000_000
        provider = rng.choice(["openai", "gemini"])
        rows.append({
            "id": uuid.uuid4(), "user_id": rng.choice(users), "api_key_id": rng.choice(keys + [None]),
            "provider": provider, "model": f"{provider}-{rng.choice('ab')}", "success": not failed,
            "images": 0 if failed else rng.choice([1, 2]), "created_at": moment,
            "costs": None if cost is None else {"total": float(cost)},
            "tokens": {"input": rng.randrange(200), "output": rng.randrange(300)},
            "tags": rng.choice([None, ["launch"], ["launch", "q4"], ["q4", "eu", "x"]]),
        })
    return rows


def _expected(rows, group_by, since, until):
    """{group: (cost, measures)} summed in Python from the rows themselves."""
    groups = defaultdict(lambda: [Decimal(0), dict.fromkeys(MEASURES, 0)])
    for row in rows:
        if not since <= row["created_at"] < until:
            continue
        if group_by == "tag":
            values = row["tags"] or []
        elif group_by == "day":
            values = [floor_day(row["created_at"]).isoformat()]
        else:
            value = row[{"user": "user_id", "key": "api_key_id"}.get(group_by, group_by)]
            values = [None if value is None else str(value)]
        for value in values:
            totals = groups[value]
            cost = row["costs"] and Decimal(str(row["costs"]["total"]))
            totals[0] += cost or 0
            counts = totals[1]
            counts["generations"] += 1
            counts["failed"] += not row["success"]
            counts["images"] += row["images"]
            counts["unknown_cost"] += row["success"] and cost is None
            counts["tokens_in"] += row["tokens"]["input"]
            counts["tokens_out"] += row["tokens"]["output"]
    return {group: (cost, counts) for group, (cost, counts) in groups.items()}


def _report(client, headers, group_by, since, until):
    window = f"from={since.isoformat().replace('+00:00', 'Z')}&to={until.isoformat().replace('+00:00', 'Z')}"
    body = client.get(f"/analytics/spend?group_by={group_by}&{window}", headers=headers).get_json()
    return {row["group"]: (Decimal(row["cost_usd"]), {name: row[name] for name in MEASURES}) for row in body["rows"]}


@pytest.fixture
def spread(app):
    with app.app_context():
        people = [service.create_user(f"spender{n}") for n in range(4)]
        keys = [service.create_api_key(person)[0].id for person in people[:3]]
        users = [person.id for person in people]
        _admin, plaintext = service.create_api_key(service.create_user("root", is_admin=True), is_admin=True)
        day0 = floor_week(utcnow()) - 3 * WEEK - 2 * DAY  # a Saturday: two days, two whole weeks, then more
        rows = _rows(users, keys, day0)
        db.session.execute(GenerationLog.__table__.insert(), rows)
        db.session.commit()
    return app, rows, day0, bearer(plaintext)


def _check_every_group(app, rows, headers, since, until):
    client = app.test_client()
    for group_by in GROUPS:
        assert _report(client, headers, group_by, since, until) == _expected(rows, group_by, since, until), group_by


def test_the_answer_is_what_its_documented_schema_dumps(spread):
    app, _rows, day0, headers = spread
    since, until = day0 + timedelta(hours=5, minutes=30), day0 + 2 * DAY + WEEK + timedelta(hours=14, minutes=15)
    window = f"from={since.isoformat().replace('+00:00', 'Z')}&to={until.isoformat().replace('+00:00', 'Z')}"
    client = app.test_client()
    for group_by in GROUPS:
        body = client.get(f"/analytics/spend?group_by={group_by}&{window}", headers=headers).get_json()
        with app.app_context():
            dumped = SpendReportSchema().dump(spend_report(group_by, since, until, limit=500))
        assert body == dumped and body["rows"], group_by


def test_a_window_from_mid_day_to_mid_day_sums_the_rows_exactly_from_weeks_days_hours_and_logs(spread):
    app, rows, day0, headers = spread
    monday = day0 + 2 * DAY
    since, until = day0 + timedelta(hours=5, minutes=30), monday + 2 * WEEK + timedelta(hours=14, minutes=15)
    _check_every_group(app, rows, headers, since, until)  # no rollups yet: every row is read live

    with app.app_context():
        refresh_rollups(now=monday + 2 * WEEK + timedelta(hours=20))
        coverage = read_coverage(db.session.connection(), "logs")
    saturday_6 = day0 + 6 * HOUR
    plan = plan_spend(since, until, coverage)
    noon = monday + 2 * WEEK + 12 * HOUR
    assert plan.rolled == [("week", (monday, monday + 2 * WEEK), ()), ("day", (monday - DAY, monday), ()),
                           ("quarter", (saturday_6, monday - DAY), ()), ("quarter", (monday + 2 * WEEK, noon), ()),
                           ("hour", (noon, noon + 2 * HOUR), ())]
    assert plan.live == [(since, saturday_6), (monday + 2 * WEEK + 14 * HOUR, until)]
    _check_every_group(app, rows, headers, since, until)

    # a late row lands in a rolled-up hour of the first whole week: that week is read from its days, its day
    # from its other hours, and the late hour from the logs until the next refresh, which rolls it up again
    late_hour = monday + DAY + 9 * HOUR
    late = {**rows[0], "id": uuid.uuid4(), "created_at": late_hour + timedelta(minutes=1),
            "costs": {"total": 0.123457}, "tags": ["launch", "late"]}
    with app.app_context():
        db.session.execute(GenerationLog.__table__.insert(), [late])
        db.session.commit()
        dirty = plan_spend(since, until, read_coverage(db.session.connection(), "logs"))
    assert dirty.rolled[:2] == [("week", (monday, monday + 2 * WEEK), (monday,)),
                                ("day", (monday - DAY, monday + WEEK), (monday + DAY,))]
    late_quarter = monday + DAY + 6 * HOUR
    assert ("quarter", (monday + DAY, monday + 2 * DAY), (late_quarter,)) in dirty.rolled
    assert ("hour", (late_quarter, late_quarter + 6 * HOUR), (late_hour,)) in dirty.rolled
    assert (late_hour, late_hour + HOUR) in dirty.live
    rows = rows + [late]
    _check_every_group(app, rows, headers, since, until)
    with app.app_context():
        refresh_rollups(now=monday + 2 * WEEK + timedelta(hours=21))
    _check_every_group(app, rows, headers, since, until)
    # a window inside one day, and one that is a single partial hour
    _check_every_group(app, rows, headers, monday + timedelta(hours=3, minutes=7), monday + 22 * HOUR)
    _check_every_group(app, rows, headers, day0 + timedelta(hours=5, minutes=10), day0 + timedelta(hours=5, minutes=50))
