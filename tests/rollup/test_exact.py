"""Rollup-backed analytics answer what the direct queries answer, through the HTTP API.

Random rows over three weeks; the same requests go to an app with
HISTORY_ROLLUPS on and one with it off (the direct SQL of bi.py / stats.py),
before any rollup, after a refresh, after late rows, deletions and updates
(dirty hours read live), and after the next refresh.
"""

import random
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, insert, select, update

from app.analytics.retention import purge_expired_events
from app.extensions import db
from app.models import (
    GeneratedImage,
    GeneratedImageHour,
    GenerationLog,
    GenerationLogHour,
    RollupDirtyHour,
)
from app.privacy.service import delete_user_data
from app.rollup.refresh import refresh_rollups
from app.storage import get_storage
from app.tracking.events import make_event
from app.tracking.writer import write_events
from tests.factories import make_user
from tests.support import bearer

T0 = datetime(2025, 5, 1, tzinfo=UTC)
SPAN = timedelta(days=21)
STYLES = ["anime", "comic", "photo", None]


def _moment(rng, start=T0, span=SPAN):
    return start + timedelta(microseconds=rng.randrange(int(span.total_seconds() * 1e6)))


def _cost(rng):
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.15:
        return {"image": 0.02}  # no total: unknown
    if roll < 0.18:
        return {"total": "n/a"}  # not a number: unknown
    return {"image": 0.01, "total": round(rng.uniform(0.001, 0.09), 4)}


def _log(rng, users, moment):
    return {"user_id": rng.choice(users), "style": rng.choice(STYLES), "difficulty": rng.choice([1, 2, 3, None]),
            "duration_ms": rng.randrange(100, 5000), "costs": _cost(rng),
            "success": rng.choice([True, True, True, False, None]), "created_at": moment}


def _image(rng, users, moment):
    return {"id": uuid.uuid4(), "user_id": rng.choice(users), "prompt": "p", "created_at": moment,
            "status": rng.choice(["success", "success", "failed", "pending"]),
            "bytes": rng.choice([None, rng.randrange(1000, 90000)])}


def _window(rng):
    since = _moment(rng, T0 - timedelta(days=1), SPAN + timedelta(days=2))
    if rng.random() < 0.3:
        since = since.replace(minute=0, second=0, microsecond=0)
    length = timedelta(seconds=rng.choice([60, 3600, 5400, 86400, 3 * 86400, 9 * 86400, 20 * 86400]))
    until = since + length + timedelta(seconds=rng.randrange(0, 7200)) * rng.choice([0, 1])
    return since, until


def _params(since, until, names=("since", "until")):
    return urlencode({names[0]: since.isoformat(), names[1]: until.isoformat()})


def _same(left, right, path):
    if isinstance(left, float) or isinstance(right, float):
        assert left == pytest.approx(right, rel=1e-9, abs=2e-6), path
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), path
        for key in left:
            _same(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), (path, left, right)
        for n, (a, b) in enumerate(zip(left, right, strict=True)):
            _same(a, b, f"{path}[{n}]")
    else:
        assert left == right, (path, left, right)


@pytest.fixture
def two_apps(app, make_app, admin_key):
    rng = random.Random(11)
    with app.app_context():
        users = [make_user().id for _ in range(9)] + [None]
        db.session.execute(insert(GenerationLog), [_log(rng, users, _moment(rng)) for _ in range(2500)])
        db.session.execute(insert(GeneratedImage), [_image(rng, users, _moment(rng)) for _ in range(2500)])
        db.session.commit()
    return app, make_app(HISTORY_ROLLUPS=False), users, rng


def _compare(rolled, direct, key, rng, windows=10):
    cases = [f"/history/images/stats?{_params(*_window(rng), names=('from', 'to'))}" for _ in range(windows)]
    cases += ["/history/images/stats", f"/history/images/stats?from={_window(rng)[0].isoformat()}".replace("+", "%2B"),
              f"/history/images/stats?to={_window(rng)[1].isoformat()}".replace("+", "%2B")]
    for _ in range(windows):
        query = _params(*_window(rng))
        cases += [f"/analytics/{name}?{query}" for name in ("top-styles", "engagement", "cost-by-difficulty",
                                                            "dashboard")]
    for path in cases:
        got, want = (app.test_client().get(path, headers=bearer(key)) for app in (rolled, direct))
        assert got.status_code == want.status_code == 200, (path, got.json)
        _same(got.json, want.json, path)


def test_rollups_answer_like_the_direct_queries(two_apps, admin_key):
    rolled, direct, users, rng = two_apps
    key = admin_key[1]
    _compare(rolled, direct, key, rng, windows=3)  # nothing rolled up yet: all live
    now = T0 + timedelta(days=15, minutes=30)
    with rolled.app_context():
        hours = refresh_rollups(now=now)
        assert hours["logs"] > 14 * 24 and hours["images"] > 14 * 24
    _compare(rolled, direct, key, rng)

    with rolled.app_context():
        # late tracking events (a spool replay) into rolled-up hours: COPY-sized and small batches
        late = [make_event("generation_log", _log(rng, users, _moment(rng, T0, timedelta(days=14))))
                for _ in range(70)]
        assert write_events(late[:60]) == 60 and write_events(late[60:]) == 10
        assert write_events(late) == 0  # a replay writes nothing and marks nothing new
        db.session.add(GeneratedImage(**_image(rng, users, T0 + timedelta(days=3, minutes=7))))
        db.session.commit()
        purge_expired_events(days=19, now=T0 + SPAN)  # logs of the first two days go
        delete_user_data(users[0], get_storage(), rolled)
        moved = db.session.scalars(select(GenerationLog.id).where(GenerationLog.user_id == users[1]).limit(20)).all()
        db.session.execute(update(GenerationLog).where(GenerationLog.id.in_(moved))
                           .values(created_at=T0 + timedelta(days=9, hours=5, minutes=1), success=False))
        db.session.commit()
        dirty = db.session.scalar(select(func.count()).select_from(RollupDirtyHour)
                                  .where(RollupDirtyHour.hour < now))
        assert dirty > 48
    _compare(rolled, direct, key, rng)  # dirty hours are read live

    with rolled.app_context():
        refresh_rollups(now=now)
        assert not db.session.scalar(select(func.count()).select_from(RollupDirtyHour)
                                     .where(RollupDirtyHour.hour < now.replace(minute=0)))
    _compare(rolled, direct, key, rng)
    with rolled.app_context():
        refresh_rollups(now=T0 + SPAN + timedelta(days=2))  # everything rolled up
    _compare(rolled, direct, key, rng)


def test_the_analytics_read_the_rollups_once_refreshed(app, admin_key):
    """A rolled-up hour is read from its rollup row (doctored here), and live again once dirty."""
    hour = datetime(2025, 5, 2, 10, tzinfo=UTC)
    with app.app_context():
        user = make_user().id
        for minute in (5, 25):
            db.session.add(GenerationLog(user_id=user, style="anime", success=True, created_at=hour.replace(
                minute=minute)))
            db.session.add(GeneratedImage(user_id=user, prompt="p", bytes=100, created_at=hour.replace(minute=minute)))
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["history", "rollup"])
    assert result.exit_code == 0 and "logs:" in result.output and "images:" in result.output, result.output
    with app.app_context():
        db.session.execute(update(GenerationLogHour).values(generations=40, unique_users=7))
        db.session.execute(update(GeneratedImageHour).values(images=9))
        db.session.commit()
    client, headers = app.test_client(), bearer(admin_key[1])
    window = _params(hour, hour + timedelta(hours=1))
    assert [row["generations"] for row in client.get(f"/analytics/engagement?{window}", headers=headers).json[
        "rows"]] == [40]
    assert client.get("/history/images/stats", headers=headers).json["total_images"] == 9
    with app.app_context():  # a late row makes the hour dirty: read live until the next refresh
        db.session.add(GenerationLog(user_id=user, style="anime", success=True, created_at=hour.replace(minute=59)))
        db.session.commit()
    assert client.get(f"/analytics/engagement?{window}", headers=headers).json["rows"][0]["generations"] == 3
    assert runner.invoke(args=["history", "rollup"]).exit_code == 0
    assert client.get(f"/analytics/engagement?{window}", headers=headers).json["rows"][0]["generations"] == 3
