"""``flask doctor`` on the tracking pipeline: spooled events and missing workers are named with their fix."""

from app.tracking import spool
from app.tracking.events import make_event


def test_doctor_names_spooled_events_and_the_replay_command(make_app, tmp_path):
    app = make_app(TRACKING_SPOOL_PATH=str(tmp_path / "spool.jsonl"))
    spool.append(str(tmp_path / "spool.jsonl"), [make_event("og_generation", {"seed": "s"})])
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert "WARN tracking" in result.output and "flask --app wsgi tracking replay" in result.output


def test_doctor_says_when_no_tracking_worker_runs(make_app, redis_url, tmp_path):
    app = make_app(REDIS_URL=redis_url, TRACKING_SPOOL_PATH=str(tmp_path / "spool.jsonl"))
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert "WARN tracking" in result.output and "no tracking worker is running" in result.output
