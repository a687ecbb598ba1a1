"""Retries that cannot bill twice: only what never reached the provider, and 429/5xx answers."""

import socket
import threading
import time

import requests

from app.ai.providers.http import ProviderHttp
from tests.ai.openai_standin import openai_images
from tests.ai.servers import serve

QUOTA_DETAILS = [
    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
        "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
        "quotaDimensions": {"location": "global", "model": "gemini-2.5-flash-image"}, "quotaValue": "100"}]},
    {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "Learn more",
                                                               "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"},
]


def _gemini_429(details):
    return 429, {}, {"error": {"code": 429, "message": "You exceeded your current quota, please check your plan and "
                                                       "billing details.", "status": "RESOURCE_EXHAUSTED",
                               "details": details}}


def _waits(monkeypatch):
    waits = []
    monkeypatch.setattr("app.ai.providers.http.sleep", waits.append)
    return waits


def test_a_read_timeout_after_sending_is_not_sent_again(provider_app):
    def slow(seen):
        time.sleep(1.0)
        return openai_images()(seen)

    with serve(slow) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                           PROVIDER_TIMEOUT=0.3)
        response = app.test_client().post("/ai/generate", json={"prompt": "a slow, expensive image"})
        time.sleep(1.0)  # let the handler finish so a retry, if any, would have been counted
    assert response.status_code == 504 and response.get_json()["error_kind"] == "timeout"
    assert "not retried" in response.get_json()["message"]
    assert len(server.requests) == 1


def test_a_connection_dropped_after_the_request_was_sent_is_not_retried(provider_app):
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def drop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn.recv(65536))  # the whole request arrived: it may be running upstream
            conn.close()

    threading.Thread(target=drop, daemon=True).start()
    try:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test",
                           OPENAI_BASE_URL=f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
        response = app.test_client().post("/ai/generate", json={"prompt": "dropped"})
    finally:
        listener.close()
    assert response.status_code == 502 and "not retried" in response.get_json()["message"]
    assert len(accepted) == 1 and accepted[0].startswith(b"POST /v1/images/generations")


def test_a_connection_that_was_never_made_is_retried(monkeypatch):
    waits = _waits(monkeypatch)
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connection refused, nothing was sent
    session = requests.Session()
    calls = []
    original = session.request
    session.request = lambda *a, **k: calls.append(a) or original(*a, **k)
    http = ProviderHttp("openai", timeout=2, retries=2, backoff=0.01, max_backoff=1, session=session)
    try:
        http.request("POST", f"http://127.0.0.1:{port}/v1/images/generations", json={})
    except Exception as error:
        assert error.kind == "unavailable" and error.retryable
    assert len(calls) == 3 and waits == [0.01, 0.02]


def test_retry_after_ms_is_honoured(provider_app, monkeypatch):
    waits = _waits(monkeypatch)
    answers = iter([(429, {"retry-after-ms": "250", "Retry-After": "1"},
                     {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}})])
    standin = openai_images()
    with serve(lambda seen: next(answers, None) or standin(seen)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                           PROVIDER_MAX_BACKOFF=5)
        response = app.test_client().post("/ai/generate", json={"prompt": "busy"})
    assert response.status_code == 201 and len(server.requests) == 2
    assert waits == [0.25]


def test_a_retry_after_longer_than_we_wait_goes_back_to_the_client(provider_app, monkeypatch):
    waits = _waits(monkeypatch)
    error = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    with serve(lambda seen: (429, {"Retry-After": "120"}, error)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        response = app.test_client().post("/ai/generate", json={"prompt": "busy"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "120"
    assert len(server.requests) == 1 and waits == []


def test_a_spent_gemini_daily_quota_is_quota_with_its_retry_delay_not_retried(provider_app, monkeypatch):
    waits = _waits(monkeypatch)
    with serve(lambda seen: _gemini_429(QUOTA_DETAILS)) as server:
        app = provider_app(AI_PROVIDER="gemini", GEMINI_API_KEY="g", GEMINI_BASE_URL=server.url + "/v1beta")
        response = app.test_client().post("/ai/generate", json={"prompt": "one more"})
    body = response.get_json()
    assert response.status_code == 503 and body["error_kind"] == "quota" and body["retryable"] is False
    assert "PerDay" in body["message"] and response.headers["Retry-After"] == "37"
    assert len(server.requests) == 1 and waits == []


def test_a_gemini_per_minute_limit_waits_its_retry_delay(provider_app, monkeypatch):
    waits = _waits(monkeypatch)
    per_minute = [{**QUOTA_DETAILS[0], "violations": [{"quotaId": "GenerateRequestsPerMinutePerProjectPerModel"}]},
                  {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.5s"}]
    from tests.ai.gemini_standin import gemini

    answers = iter([_gemini_429(per_minute)])
    standin = gemini()
    with serve(lambda seen: next(answers, None) or standin(seen)) as server:
        app = provider_app(AI_PROVIDER="gemini", GEMINI_API_KEY="g-key", GEMINI_BASE_URL=server.url + "/v1beta",
                           PROVIDER_MAX_BACKOFF=5)
        response = app.test_client().post("/ai/generate", json={"prompt": "again"})
    assert response.status_code == 201, response.get_json()
    assert len(server.requests) == 2 and waits == [0.5]
