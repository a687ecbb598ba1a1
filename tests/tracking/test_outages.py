"""The database refuses: events go to the spool, and a replay writes each exactly once."""

import json
import logging
import os
import shutil

from sqlalchemy import select

from app.extensions import db
from app.models import OgGeneration, Prompt, PromptUsage
from app.tracking import flush, record, spool
from app.tracking.events import make_event
from tests.tracking.harness import count, run_burst_worker, unreachable_database_url

OG = {"seed": "s1", "aspect_ratio": "default", "user_agent": "pytest"}


def _spooled_ids(path):
    return [event["id"] for name in spool.pending_files(path) for event in spool.read_events(name)]


def test_database_down_requests_succeed_events_spool_then_replay_writes_each_once(tracked_app, app):
    with app.app_context():
        db.session.add(Prompt(id="p", name="P", template="{scene}"))
        db.session.commit()
    down = tracked_app(DATABASE_URL=unreachable_database_url(app))
    client = down.test_client()
    ids = []
    for n in range(10):
        response = client.post("/_test/record/prompt_usage", json={"prompt_id": "p", "success": n < 7})
        assert response.status_code == 200
        response.close()
        ids += response.get_json()["ids"]
    path = down.config["TRACKING_SPOOL_PATH"]
    assert flush(app=down) is True  # the writer thread found the database down: the spool has them
    assert _spooled_ids(path) == ids

    up = tracked_app()  # the database is back (same spool)
    backup = path + ".copy"
    shutil.copy(path, backup)
    result = up.test_cli_runner().invoke(args=["tracking", "replay"])
    assert result.exit_code == 0, result.output
    assert "replayed 10 event(s)" in result.output
    assert count(up, PromptUsage) == 10
    assert up.test_cli_runner().invoke(args=["tracking", "replay"]).output.startswith("nothing to replay")

    shutil.move(backup, path)  # the same events spooled again (a retry): still one row each
    assert up.test_cli_runner().invoke(args=["tracking", "replay"]).exit_code == 0
    assert count(up, PromptUsage) == 10
    with up.app_context():
        prompt = db.session.get(Prompt, "p")
        assert (prompt.usage_count, prompt.success_count) == (10, 7)
    assert not os.path.exists(path)


def test_replay_while_the_database_is_still_down_keeps_the_spool(tracked_app, app):
    down = tracked_app(DATABASE_URL=unreachable_database_url(app))
    with down.app_context():
        record("og_generation", **OG)
    assert flush(app=down) is True  # spooled
    result = down.test_cli_runner().invoke(args=["tracking", "replay"])
    assert result.exit_code == 1
    assert "still refuses" in result.output
    assert spool.pending_bytes(down.config["TRACKING_SPOOL_PATH"]) > 0
    up = tracked_app()
    assert up.test_cli_runner().invoke(args=["tracking", "replay"]).exit_code == 0
    assert count(up, OgGeneration) == 1


def test_the_app_replays_by_itself_once_the_database_answers(tracked_app, app):
    down = tracked_app(DATABASE_URL=unreachable_database_url(app))
    with down.app_context():
        for _ in range(3):
            record("og_generation", **OG)
    assert flush(app=down) is True
    assert spool.pending_events(down.config["TRACKING_SPOOL_PATH"]) == 3
    up = tracked_app(TRACKING_REPLAY_INTERVAL=0)
    client = up.test_client()
    client.post("/_test/record/og_generation", json=OG).close()  # a write succeeds: replay follows
    assert flush(app=up) is True
    assert count(up, OgGeneration) == 4
    assert spool.pending_bytes(up.config["TRACKING_SPOOL_PATH"]) == 0


def test_a_torn_spool_line_is_skipped_with_a_warning(tracked_app, caplog):
    up = tracked_app()
    path = up.config["TRACKING_SPOOL_PATH"]
    first, second = make_event("og_generation", dict(OG)), make_event("og_generation", dict(OG))
    spool.append(path, [first])
    with open(path, "a") as fh:  # a crash in the middle of an append
        fh.write(json.dumps(second)[:40])
    third = make_event("og_generation", dict(OG))
    spool.append(path, [third])  # starts on a line of its own
    with caplog.at_level(logging.WARNING, logger="app.tracking.spool"):
        result = up.test_cli_runner().invoke(args=["tracking", "replay"])
    assert result.exit_code == 0 and "replayed 2 event(s)" in result.output
    assert "skipped unreadable line" in caplog.text
    with up.app_context():
        ids = {str(i) for i in db.session.scalars(select(OgGeneration.id))}
    assert ids == {first["id"], third["id"]}


def test_a_worker_whose_database_is_down_spools_and_the_replay_writes_each_once(tracked_app, app, redis_url):
    with app.app_context():
        db.session.add(Prompt(id="p", name="P", template="{scene}"))
        db.session.commit()
    queued = tracked_app(REDIS_URL=redis_url)
    with queued.app_context():
        for _ in range(50):
            record("prompt_usage", prompt_id="p", success=True)
        flush(timeout=0, app=queued)
    run_burst_worker(queued, DATABASE_URL=unreachable_database_url(app), DB_CONNECT_TIMEOUT=1)
    path = queued.config["TRACKING_SPOOL_PATH"]
    assert len(_spooled_ids(path)) == 50
    assert count(queued, PromptUsage) == 0
    run_burst_worker(queued)  # the database is back: the worker replays its spool at start
    assert count(queued, PromptUsage) == 50
    with queued.app_context():
        assert db.session.get(Prompt, "p").usage_count == 50


def test_check_reports_the_transport_and_fails_when_the_event_does_not_land(tracked_app, app):
    result = tracked_app().test_cli_runner().invoke(args=["tracking", "check"])
    assert result.exit_code == 0, result.output
    assert "transport: database" in result.output and "landed: yes" in result.output
    assert count(app, OgGeneration) == 0  # the check row is removed unless --keep

    down = tracked_app(DATABASE_URL=unreachable_database_url(app))
    result = down.test_cli_runner().invoke(args=["tracking", "check", "--timeout", "1"])
    assert result.exit_code == 1
    assert "transport: spool" in result.output and "did not land" in result.output
