"""Production processes write one JSON object a line on stderr, and one request is findable everywhere.

gunicorn with the shipped gunicorn.conf.py (2 workers, IMPRINT_ENV=production)
and an RQ generation worker; the OpenAI stand-in records what it received.
"""

import json
import re
import subprocess
import time

from sqlalchemy import select

from app.extensions import db
from app.models import GenerationLog
from tests.ai.openai_standin import openai_images
from tests.ai.servers import serve
from tests.prod.gunicorn_server import request, sigterm_and_wait, start_gunicorn
from tests.tracking.harness import ROOT, flask_command, run_burst_worker, worker_env

REQUEST_ID = "checkout-7f3a.retry_2"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
PRODUCTION = {"IMPRINT_ENV": "production", "ALLOW_ANONYMOUS": "true", "AI_PROVIDER": "openai",
              "OPENAI_API_KEY": "sk-test", "ENABLE_OBSERVABILITY_LOGGING": "true"}


def parse_lines(lines):
    """Every line as a JSON object with the fields every line has; fails on the first that is not."""
    assert lines, "no log lines"
    objects = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            raise AssertionError(f"not JSON: {line!r}") from None
        assert isinstance(obj, dict), line
        assert RFC3339_UTC.fullmatch(obj["time"]), line
        assert obj["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, line
        assert obj["logger"] and isinstance(obj["msg"], str), line
        objects.append(obj)
    return objects


def generation_rows(app, request_id, wait=30):
    deadline = time.monotonic() + wait
    while True:
        with app.app_context():
            rows = db.session.scalars(select(GenerationLog).where(GenerationLog.request_id == request_id)).all()
            db.session.remove()
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_gunicorn_lines_are_json_and_one_request_joins_logs_row_and_provider_call(app, tmp_path):
    stderr_path = str(tmp_path / "gunicorn.stderr")
    with serve(openai_images()) as provider:
        server = start_gunicorn(app, stderr_path, GUNICORN_ACCESSLOG="-", OPENAI_BASE_URL=provider.url + "/v1",
                                **PRODUCTION)
        try:
            status, headers, body = request(
                server.port, "POST", "/ai/generate", json.dumps({"prompt": "a lighthouse at dusk"}),
                {"Content-Type": "application/json", "X-Request-ID": REQUEST_ID, "traceparent": TRACEPARENT})
            assert status == 201, body[:500]
            assert headers["X-Request-ID"] == REQUEST_ID
            status, headers, _ = request(server.port, "GET", "/no/such/page", headers={"X-Request-ID": "lost-1"})
            assert (status, headers["X-Request-ID"]) == (404, "lost-1")
            status, headers, _ = request(server.port, "GET", "/og?seed=x&width=99999")
            assert status == 400 and re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # one was made
            rows = generation_rows(app, REQUEST_ID)
        finally:
            assert sigterm_and_wait(server.process) == 0

    lines = parse_lines(server.stderr_lines())
    [sent] = provider.requests
    assert sent.headers["traceparent"].startswith(f"00-{TRACE_ID}-")  # the trace goes on to the provider
    assert sent.headers["traceparent"] != TRACEPARENT  # ... as a child of this server's span
    [row] = rows
    assert (row.request_id, row.trace_id, row.success) == (REQUEST_ID, TRACE_ID, True)

    access = [obj for obj in lines if obj["logger"] == "gunicorn.access"]
    [generate] = [obj for obj in access if obj.get("request_id") == REQUEST_ID]
    assert (generate["method"], generate["path"], generate["status"]) == ("POST", "/ai/generate", 201)
    assert generate["trace_id"] == TRACE_ID
    assert any(obj.get("request_id") == "lost-1" and obj["status"] == 404 for obj in access)

    [event] = [obj for obj in lines if obj["logger"] == "imprint.generations"]
    assert event["request_id"] == REQUEST_ID and event["trace_id"] == TRACE_ID
    assert event["event"] == "generation" and event["success"] is True and event["provider"] == "openai"
    assert event["cost_usd"] > 0 and event["steps"]["provider_call"] > 0  # fields, not a string in msg
    assert any(obj["logger"] == "gunicorn.error" and "Booting worker" in obj["msg"] for obj in lines)


def test_rq_worker_lines_are_json_and_carry_the_request_and_job(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    with serve(openai_images()) as provider:
        env = worker_env(app, OPENAI_BASE_URL=provider.url + "/v1", **PRODUCTION)
        app.config.update(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=provider.url + "/v1")
        response = app.test_client().post("/ai/generate?async=true", json={"prompt": "a kite"},
                                          headers={"X-Request-ID": REQUEST_ID, "traceparent": TRACEPARENT})
        assert response.status_code == 202, response.get_json()
        job_id = response.get_json()["id"]
        result = subprocess.run(flask_command("ai", "worker", "--burst"), cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = parse_lines(result.stderr.splitlines())
    [event] = [obj for obj in lines if obj["logger"] == "imprint.generations"]
    assert (event["request_id"], event["trace_id"], event["job_id"]) == (REQUEST_ID, TRACE_ID, job_id)
    assert any(obj["logger"].startswith("rq.") for obj in lines)
    [sent] = provider.requests
    assert sent.headers["traceparent"].startswith(f"00-{TRACE_ID}-")
    run_burst_worker(app)
    [row] = generation_rows(app, REQUEST_ID, wait=0)
    assert row.trace_id == TRACE_ID and row.job_id == job_id


def test_alembic_lines_are_json(app):
    result = subprocess.run(flask_command("db", "current"), cwd=ROOT, env=worker_env(app, IMPRINT_ENV="production"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = parse_lines(result.stderr.splitlines())
    assert any(obj["logger"].startswith("alembic") for obj in lines)
