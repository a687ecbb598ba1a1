"""Seed 001's BI queries over hand-built logs: the numbers are computed by hand below."""

import random
import statistics
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import GenerationLog
from app.models.query import hour_bucket, percentile_cont
from tests.factories import at, make_log, make_user
from tests.support import bearer

H1 = datetime(2025, 6, 15, 10, 0, tzinfo=UTC)
H2 = datetime(2025, 6, 15, 11, 0, tzinfo=UTC)
WINDOW = "since=2025-06-15T10:00:00Z&until=2025-06-15T12:00:00Z"


@pytest.fixture
def logs(app):
    with app.app_context():
        alice, bob, carol, dave = (make_user(name).id for name in ("alice", "bob", "carol", "dave"))

        def log(minute, hour, user, style, duration, success=True, cost=None, difficulty=None, error=None):
            make_log(user, cost=cost, style=style, duration_ms=duration, success=success,
                     difficulty=difficulty, error_message=error,
                     created_at=hour.replace(minute=int(minute), second=int(minute % 1 * 60)))

        # hour 10:00 — 3 generations, 2 users
        log(5, H1, alice, "anime", 100, cost=0.04, difficulty=1)
        log(20, H1, alice, "anime", 200, cost=0.06, difficulty=1)
        log(59.5, H1, bob, "comic", 1000, cost=0.10, difficulty=3)
        # hour 11:00 — 6 generations, 3 users (+ one without a user)
        log(0, H2, bob, "anime", 300, difficulty=2)  # cost unknown
        log(10, H2, carol, "anime", 400, cost=0.02, difficulty=2)
        log(15, H2, alice, "anime", 50, success=False, cost=0.01, error="timeout")
        log(20, H2, alice, "comic", 500, success=False, error="HTTP 429: rate limit exceeded")
        log(30, H2, None, "photo", 150, success=False, error="timeout")
        log(40, H2, bob, None, 10, cost=0.5)
        # outside every window used below
        make_log(alice, cost=100, style="anime", duration_ms=99999, created_at=at(days=-40))
        # the week before last: alice, bob, dave; last week: alice, bob, carol (rows above)
        for user in (alice, bob, dave):
            make_log(user, style="old", duration_ms=1, created_at=at(days=-10))
    return {"alice": alice, "bob": bob}


def get(client, admin_key, path, query=WINDOW):
    response = client.get(f"/analytics/{path}?{query}", headers=bearer(admin_key[1]))
    assert response.status_code == 200, response.json
    return response.json


def test_top_styles_by_success_rate(client, admin_key, logs):
    rows = get(client, admin_key, "top-styles")["rows"]
    assert rows == [
        {"style": None, "total_generations": 1, "success_rate": 1.0, "avg_cost": 0.5},
        {"style": "anime", "total_generations": 5, "success_rate": 0.8,
         "avg_cost": pytest.approx((0.04 + 0.06 + 0.02 + 0.01) / 4)},
        {"style": "comic", "total_generations": 2, "success_rate": 0.5, "avg_cost": 0.1},
        {"style": "photo", "total_generations": 1, "success_rate": 0.0, "avg_cost": None},
    ]


def test_engagement_by_hour(client, admin_key, logs):
    rows = get(client, admin_key, "engagement")["rows"]
    assert [(row["hour"][:19], row["generations"], row["unique_users"]) for row in rows] == [
        ("2025-06-15T10:00:00", 3, 2),
        ("2025-06-15T11:00:00", 6, 3),
    ]


def test_cost_by_difficulty(client, admin_key, logs):
    rows = get(client, admin_key, "cost-by-difficulty")["rows"]
    assert rows == [
        {"difficulty": 1, "generations": 2, "avg_cost": pytest.approx(0.05), "total_cost": pytest.approx(0.10)},
        {"difficulty": 2, "generations": 2, "avg_cost": 0.02, "total_cost": 0.02},  # one cost unknown
        {"difficulty": 3, "generations": 1, "avg_cost": 0.1, "total_cost": 0.1},
        {"difficulty": None, "generations": 1, "avg_cost": 0.5, "total_cost": 0.5},
    ]


def test_latency_by_style_with_p95(client, admin_key, logs):
    rows = get(client, admin_key, "latency")["rows"]
    # anime successes 100, 200, 300, 400: rank 0.95 × 3 = 2.85 → 300 + 0.85 × 100
    assert rows == [
        {"style": "anime", "generations": 4, "avg_duration_ms": 250.0, "p95_duration_ms": 385.0},
        {"style": "comic", "generations": 1, "avg_duration_ms": 1000.0, "p95_duration_ms": 1000.0},
        {"style": None, "generations": 1, "avg_duration_ms": 10.0, "p95_duration_ms": 10.0},
    ]


def test_errors(client, admin_key, logs):
    rows = get(client, admin_key, "errors")["rows"]
    assert rows == [
        {"error_message": "timeout", "error_count": 2, "avg_failure_time_ms": 100.0},
        {"error_message": "HTTP 429: rate limit exceeded", "error_count": 1, "avg_failure_time_ms": 500.0},
    ]


def test_dashboard(client, admin_key, logs):
    body = get(client, admin_key, "dashboard")
    assert body["generations"] == 9
    assert body["generations_per_hour"] == 4.5
    assert body["success_rate"] == pytest.approx(6 / 9, abs=1e-6)  # 4 anime, 1 comic, 1 unstyled
    assert body["avg_cost_per_generation"] == pytest.approx((0.04 + 0.06 + 0.10 + 0.02 + 0.01 + 0.5) / 6, abs=1e-6)
    assert [row["generations"] for row in body["per_hour"]] == [3, 6]
    # active the week before last: alice, bob, dave; of them alice and bob came back
    assert body["retention"] == {"previous_week_users": 3, "returning_users": 2,
                                 "retention_rate": pytest.approx(2 / 3, abs=1e-6)}


def test_window_parameter_and_its_errors(client, admin_key, logs):
    assert get(client, admin_key, "errors", "window=50d&until=2025-06-15T12:00:00Z")["rows"][0]["error_count"] == 2
    assert get(client, admin_key, "errors", "window=15m&until=2025-06-15T12:00:00Z")["rows"] == []
    # since and window together: the later start of the two
    assert get(client, admin_key, "errors", "window=15m&since=2025-01-01T00:00:00Z&until=2025-06-15T12:00:00Z")["rows"] == []
    assert get(client, admin_key, "errors", "window=1d&since=2025-06-15T10:00:00Z&until=2025-06-15T12:00:00Z")["rows"]
    for query, field in (("window=3y", "window"), ("window=0d", "window"), ("bogus=1", "bogus")):
        response = client.get(f"/analytics/top-styles?{query}", headers=bearer(admin_key[1]))
        assert response.status_code == 400 and field in response.json["errors"]["query"], (query, response.json)


def test_a_window_ending_before_it_starts_is_empty(client, admin_key, logs):
    inverted = "since=2025-06-15T12:00:00Z&until=2025-06-15T10:00:00Z"
    assert get(client, admin_key, "errors", inverted)["rows"] == []
    assert get(client, admin_key, "top-styles", inverted)["rows"] == []
    dashboard = get(client, admin_key, "dashboard", inverted)
    assert dashboard["generations"] == 0 and dashboard["since"] == dashboard["until"] == "2025-06-15T10:00:00+00:00"


def test_analytics_need_an_admin_key(client, user_key):
    assert client.get("/analytics/top-styles").status_code == 401
    assert client.get("/analytics/dashboard", headers=bearer(user_key[1])).status_code == 403


def test_p95_matches_an_independent_computation_on_this_database(app):
    rng = random.Random(7)
    groups = {"a": [rng.randint(1, 60_000) for _ in range(101)], "b": [rng.randint(1, 500) for _ in range(7)],
              "c": [42]}
    with app.app_context():
        for style, values in groups.items():
            for value in values:
                make_log(None, style=style, duration_ms=value)
        make_log(None, style="a", duration_ms=None)  # NULLs are ignored, as by PERCENTILE_CONT
        rows = db.session.execute(
            select(GenerationLog.style, percentile_cont(0.95, GenerationLog.duration_ms),
                   percentile_cont(0.5, GenerationLog.duration_ms))
            .group_by(GenerationLog.style).order_by(GenerationLog.style)
        ).all()
    for style, p95, median in rows:
        values = groups[style]
        expected = statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]
        assert p95 == pytest.approx(expected, rel=1e-12)
        assert median == pytest.approx(statistics.median(values), rel=1e-12)


def test_hour_bucket_is_utc_on_this_database(app):
    with app.app_context():
        make_log(None, created_at=datetime(2025, 1, 1, 23, 59, 59, 999999, tzinfo=UTC))
        buckets = db.session.scalars(select(hour_bucket(GenerationLog.created_at))).all()
        assert db.session.scalar(select(func.count()).select_from(GenerationLog)) == 1
    assert buckets == [datetime(2025, 1, 1, 23, 0, tzinfo=UTC)]
