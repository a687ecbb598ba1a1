"""The progressive logger (seed 001) and its sinks: the row, a log line, /metrics, DogStatsD."""

import json
import logging
import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.models import GenerationLog
from app.observability.logs import JsonFormatter
from app.tracking import flush
from app.tracking.logger import GenerationLogger


def _run_job(user_id=None, fail=False):
    logger = GenerationLogger(user_id=user_id, job_id="job-1")
    logger.start_job(style="anime", difficulty=2, scene="cafe", photo_size="1024x1024", provider="procedural")
    with logger.step("prompt_building"):
        pass
    with pytest.raises(RuntimeError), logger.step("image_generation"):
        raise RuntimeError("provider timed out")
    logger.add_cost("vision", 0.01)
    logger.add_cost("image", 0.04)
    logger.add_tokens(input=120, output=30)
    logger.add_tokens(input=5)
    return logger.fail(RuntimeError("provider timed out")) if fail else logger.complete(model="m1")


def test_a_job_is_one_row_with_duration_costs_tokens_and_steps(tracked_app, user_key):
    app = tracked_app()
    user_id, _key = user_key
    with app.app_context():
        log_id = _run_job(user_id)
        assert flush(app=app) is True
        row = db.session.get(GenerationLog, log_id)
        assert (row.user_id, row.job_id, row.style, row.difficulty) == (user_id, "job-1", "anime", 2)
        assert (row.scene, row.photo_size, row.provider, row.model) == ("cafe", "1024x1024", "procedural", "m1")
        assert row.costs == {"vision": 0.01, "image": 0.04, "total": 0.05}
        assert row.tokens == {"input": 125, "output": 30}
        assert set(row.steps) == {"prompt_building", "image_generation"}
        assert row.success is True and row.error_message is None and row.duration_ms >= 0


def test_a_failed_job_and_an_unknown_cost(tracked_app):
    app = tracked_app()
    with app.app_context():
        logger = GenerationLogger(job_id="job-2").start_job(style="oil")
        logger.add_cost("image", None)  # the provider did not say: unknown, never 0
        log_id = logger.fail(TimeoutError())
        assert logger.complete() == log_id  # logged once
        assert flush(app=app) is True
        row = db.session.get(GenerationLog, log_id)
        assert row.success is False and row.error_message == "TimeoutError"
        assert "total" not in row.costs


def test_the_row_is_always_recorded_and_the_log_line_only_with_observability(tracked_app, caplog):
    with caplog.at_level(logging.INFO, logger="imprint.generations"):
        off = tracked_app(ENABLE_OBSERVABILITY_LOGGING=False)
        with off.app_context():
            off_id = _run_job()
        assert caplog.records == []
        on = tracked_app(ENABLE_OBSERVABILITY_LOGGING=True)
        with on.app_context():
            on_id = _run_job(fail=True)
    assert flush(app=off) is True and flush(app=on) is True
    with on.app_context():
        assert db.session.get(GenerationLog, off_id) and db.session.get(GenerationLog, on_id)
    (record,) = caplog.records
    line = json.loads(JsonFormatter().format(record))  # the line's fields are its own, not text in msg
    assert line["event"] == "generation" and line["job_id"] == "job-1" and line["success"] is False
    assert line["cost_usd"] == 0.05 and line["error"] == "provider timed out"


def _samples(client, headers=None):
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def test_metrics_count_generations_and_the_pipeline(tracked_app):
    app = tracked_app(ENABLE_OBSERVABILITY_LOGGING=True)
    client = app.test_client()
    before = _samples(client)
    with app.app_context():
        _run_job()
        _run_job(fail=True)
    client.post("/_test/record/og_generation", json={"seed": "s", "aspect_ratio": "a"}).close()
    flush(app=app)
    after = _samples(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("imprint_generations_total", style="anime", status="success") == 1
    assert delta("imprint_generation_failures_total", style="anime") == 1
    assert delta("imprint_generation_duration_seconds_count", style="anime") == 2
    assert delta("imprint_generation_cost_usd_total", style="anime") == pytest.approx(0.10)
    assert delta("imprint_tracking_events_recorded_total", kind="generation_log") == 2
    assert delta("imprint_tracking_events_recorded_total", kind="og_generation") == 1
    assert delta("imprint_tracking_events_sent_total", transport="database") == 3  # what the writer wrote
    assert delta("imprint_tracking_events_sent_total", transport="spool") == 0
    assert delta("imprint_tracking_events_written_total", kind="og_generation") == 1
    assert ("imprint_tracking_spool_bytes", ()) in after


def test_metrics_show_the_queue_depth(tracked_app, redis_url):
    app = tracked_app(REDIS_URL=redis_url)
    with app.app_context():
        from app.tracking import record

        for _ in range(4):
            record("og_generation", seed="s", aspect_ratio="a")
        flush(timeout=0, app=app)
    samples = _samples(app.test_client())
    assert samples[("imprint_tracking_queue_depth", (("state", "queued"),))] == 4


def test_metrics_can_require_a_token(tracked_app):
    client = tracked_app(METRICS_TOKEN="s3cret").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert _samples(client, {"Authorization": "Bearer s3cret"})


def test_datadog_gets_dogstatsd_datagrams_over_udp(tracked_app):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    app = tracked_app(ENABLE_OBSERVABILITY_LOGGING=True, DOGSTATSD_ADDRESS=f"127.0.0.1:{port}")
    with app.app_context():
        _run_job()
    payload = receiver.recv(65535).decode()
    receiver.close()
    lines = payload.split("\n")
    assert lines[0].startswith("imprint.generation.count:1|c|#status:success,style:anime,difficulty:2")
    assert any(line.startswith("imprint.generation.cost:0.05|d|") for line in lines)
    assert any(line.startswith("imprint.generation.tokens:125|c|") and "type:input" in line for line in lines)


def test_a_missing_datadog_agent_costs_the_job_nothing(tracked_app, caplog):
    """Nothing listens on the agent's port: the job finishes at once, its row lands, nothing fails."""
    import threading

    from app.tracking import metrics
    from tests.tracking.harness import free_port

    app = tracked_app(ENABLE_OBSERVABILITY_LOGGING=True, DATADOG_API_KEY="k",
                      DOGSTATSD_ADDRESS=f"127.0.0.1:{free_port()}")
    errors_before = metrics.ERRORS.labels("dogstatsd")._value.get()
    ids = []

    def job():
        with app.app_context():
            ids.append(_run_job())

    with caplog.at_level(logging.WARNING, logger="app.tracking.sinks"):
        thread = threading.Thread(target=job)
        thread.start()
        # A liveness bound, not a speed goal: the job takes milliseconds; a sink that waits on the agent holds it.
        thread.join(timeout=2.5)
        assert not thread.is_alive(), "the job waited on the Datadog sink"
    assert caplog.records == []  # the sink neither raised nor logged a failure
    assert metrics.ERRORS.labels("dogstatsd")._value.get() == errors_before  # the datagram left without error
    assert flush(app=app) is True
    with app.app_context():
        assert db.session.get(GenerationLog, ids[0]) is not None
