"""Graceful shutdown: a process stopped with SIGTERM loses no tracking event.

Real processes: gunicorn with gunicorn.conf.py (2 gthread workers), ``flask ai
worker`` (RQ's forking worker), ``flask tracking worker``. A long
``TRACKING_PUSH_LINGER`` keeps the events in the process's push buffer when the
signal comes, so each test shows what the stop itself does with them.
"""

import subprocess
import time

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import GeneratedImage, GenerationLog, OgGeneration
from app.tracking import queue
from app.tracking.events import make_event
from tests.prod import gunicorn_server
from tests.prod.gunicorn_server import sigterm_and_wait
from tests.tracking.harness import (
    ROOT,
    flask_command,
    free_port,
    run_burst_worker,
    start_worker,
    stop,
    worker_env,
)

LINGER = "300"  # seconds: nothing leaves the buffer unless the process pushes it on its way out


@pytest.fixture(autouse=True)
def spool_path(app, tmp_path):
    app.config["TRACKING_SPOOL_PATH"] = str(tmp_path / "spool" / "tracking-spool.jsonl")


def rows(app, model):
    with app.app_context(), Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def start_gunicorn(app, **extra):
    server = gunicorn_server.start_gunicorn(app, **extra)
    return server.process, server.port


def get(port, path):
    status, _headers, body = gunicorn_server.request(port, "GET", path)
    return status, body


def test_gunicorn_sigterm_pushes_buffered_events(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    server, port = start_gunicorn(app, TRACKING_PUSH_LINGER=LINGER)
    try:
        for i in range(30):  # spread over both worker processes by the kernel
            assert get(port, f"/og?seed=shutdown-{i % 3}&shapes=2&width=200&height=100")[0] == 200
        assert redis.Redis.from_url(redis_url).llen(queue.EVENTS_KEY) == 0  # all still in the processes
    finally:
        code = sigterm_and_wait(server)
    assert code == 0
    assert redis.Redis.from_url(redis_url).llen(queue.EVENTS_KEY) == 30
    run_burst_worker(app)
    assert rows(app, OgGeneration) == 30


def test_gunicorn_sigterm_with_redis_away_writes_events_before_exit(app):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    server, port = start_gunicorn(app, TRACKING_PUSH_LINGER=LINGER)
    try:
        for i in range(10):
            assert get(port, f"/og?seed=away-{i}&shapes=2&width=200&height=100")[0] == 200
    finally:
        code = sigterm_and_wait(server)
    assert code == 0
    assert rows(app, OgGeneration) == 10


def test_generation_work_horse_pushes_its_event_before_exiting(app, client, redis_url):
    # RQ's work horse ends with os._exit(), which skips atexit: the generation_logs
    # event would die in the buffer unless the worker pushes after each job.
    app.config["REDIS_URL"] = redis_url
    response = client.post("/ai/generate?async=true", json={"prompt": "a red kite", "size": "256x256"})
    assert response.status_code == 202, response.get_json()
    result = subprocess.run(flask_command("ai", "worker", "--burst"), cwd=ROOT, capture_output=True, text=True,
                            env=worker_env(app, TRACKING_PUSH_LINGER=LINGER), timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(app, GeneratedImage) == 1
    run_burst_worker(app)
    assert rows(app, GenerationLog) == 1


def test_tracking_worker_sigterm_mid_drain_loses_nothing(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    client = redis.Redis.from_url(redis_url)
    events = [make_event("og_generation", {"seed": f"drain-{i}", "aspect_ratio": "default"}) for i in range(3000)]
    for start in range(0, len(events), 500):
        queue.push(client, events[start:start + 500], app.config["TRACKING_QUEUE"])
    worker = start_worker(app, TRACKING_BATCH_SIZE=50)
    try:
        deadline = time.monotonic() + 120
        while rows(app, OgGeneration) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        code = sigterm_and_wait(worker)
    assert code == 0, worker.stderr.read()[-3000:]
    assert client.zcard(queue.CLAIMS_KEY) == 0  # the batch under way was finished, not left claimed
    run_burst_worker(app)
    assert rows(app, OgGeneration) == 3000
    stop(worker)
