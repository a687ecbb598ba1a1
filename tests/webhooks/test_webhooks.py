"""Webhooks as a receiver sees them: signed per the Standard Webhooks specification (verified with its reference
library), through the SSRF guard, recorded, retried while the receiver is down and delivered once it is back."""

import time
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from app.models.types import utcnow
from tests.ai.servers import serve
from tests.support import bearer, empty_tables

RECEIVED = "generation.succeeded"


def _wait_for(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def receiver():
    """A webhook receiver: answers 503 while ``state['down']``, else 204."""
    state = {"down": False}

    def answer(seen):
        return (503, {}, b"down") if state["down"] else (204, {}, b"")

    with serve(answer) as server:
        server.state = state
        yield server


def _register(client, key, url, events=(RECEIVED,)):
    return client.post("/webhooks/endpoints", headers=bearer(key), json={"url": url, "events": list(events)})


def test_loopback_is_refused_unless_the_operator_allows_the_host(make_app, user_key, receiver):
    refused_app = make_app()
    refused = _register(refused_app.test_client(), user_key[1], receiver.url + "/hook")
    assert refused.status_code == 422 and "url" in refused.get_json()["errors"]["json"]
    generated = refused_app.test_client().post("/ai/generate", headers=bearer(user_key[1]),
                                               json={"prompt": "x", "webhook_url": "http://169.254.169.254/latest"})
    assert generated.status_code == 422 and "webhook_url" in generated.get_json()["errors"]["json"]
    allowed = _register(make_app(WEBHOOK_ALLOWED_HOSTS="127.0.0.1").test_client(), user_key[1],
                        receiver.url + "/hook")
    assert allowed.status_code == 201 and allowed.get_json()["secret"].startswith("whsec_")
    empty_tables(refused_app)


def test_a_generation_is_announced_signed_and_verified_by_the_reference_library(make_app, user_key, receiver):
    app = make_app(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    client = app.test_client()
    endpoint = _register(client, user_key[1], receiver.url + "/hook").get_json()
    made = client.post("/ai/generate", headers=bearer(user_key[1]), json={"prompt": "a lighthouse"})
    assert made.status_code == 201
    assert _wait_for(lambda: len(receiver.requests) == 1)
    seen = receiver.requests[0]
    event = Webhook(endpoint["secret"]).verify(seen.body, seen.headers)
    assert event["type"] == "generation.succeeded" and event["data"]["image_ids"] == [made.get_json()["id"]]
    assert event["data"]["result"]["id"] == made.get_json()["id"]
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "QUJD" * 8).verify(seen.body, seen.headers)  # another secret does not verify
    assert _wait_for(lambda: client.get("/webhooks/deliveries", headers=bearer(user_key[1]))
                     .get_json()["items"][0]["status"] == "delivered")
    [delivery] = client.get("/webhooks/deliveries", headers=bearer(user_key[1])).get_json()["items"]
    assert delivery["attempts"] == 1 and delivery["last_status_code"] == 204
    assert delivery["event_id"] == seen.headers["webhook-id"] and delivery["last_response_ms"] is not None
    empty_tables(app)


def test_a_receiver_down_for_a_while_gets_the_event_once_after_it_comes_back(make_app, user_key, receiver):
    from app.webhooks.delivery import deliver_due

    app = make_app(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    client, headers = app.test_client(), bearer(user_key[1])
    endpoint = _register(client, user_key[1], receiver.url + "/hook").get_json()
    receiver.state["down"] = True
    assert client.post("/ai/generate", headers=headers, json={"prompt": "while down"}).status_code == 201
    assert _wait_for(lambda: len(receiver.requests) == 1)  # the first attempt, refused
    assert _wait_for(lambda: client.get("/webhooks/deliveries", headers=headers).get_json()["items"][0]
                     ["attempts"] == 1)
    with app.app_context():
        later = utcnow()
        for minutes in (1, 3, 10):  # still down: each due retry fails
            later += timedelta(minutes=minutes)
            deliver_due(now=later)
        receiver.state["down"] = False
        later += timedelta(hours=1)
        assert deliver_due(now=later) == (1, 0)
        for hours in (2, 6, 30):  # nothing is sent again
            assert deliver_due(now=later + timedelta(hours=hours)) == (0, 0)
    ids = {seen.headers["webhook-id"] for seen in receiver.requests}
    assert len(ids) == 1 and len(receiver.requests) == 5  # one event id: 4 refused attempts, 1 delivered
    Webhook(endpoint["secret"]).verify(receiver.requests[-1].body, receiver.requests[-1].headers)
    [delivery] = client.get("/webhooks/deliveries", headers=headers).get_json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 5, 204)
    empty_tables(app)


def test_a_receiver_that_never_answers_is_given_up_after_a_day_and_the_generation_is_unaffected(make_app, user_key):
    from app.webhooks.delivery import deliver_due

    app = make_app(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    client, headers = app.test_client(), bearer(user_key[1])
    _register(client, user_key[1], "http://127.0.0.1:9/closed")
    assert client.post("/ai/generate", headers=headers, json={"prompt": "nobody listens"}).status_code == 201
    assert _wait_for(lambda: client.get("/webhooks/deliveries", headers=headers).get_json()["items"][0]
                     ["attempts"] == 1)
    with app.app_context():
        now = utcnow()
        for _ in range(40):
            now += timedelta(hours=1)
            deliver_due(now=now)
    [delivery] = client.get("/webhooks/deliveries", headers=headers).get_json()["items"]
    assert delivery["status"] == "failed" and 5 <= delivery["attempts"] <= 30
    assert "Connection" in delivery["last_error"] or "refused" in delivery["last_error"]
    empty_tables(app)


def test_webhook_url_on_an_async_request_and_on_cancel(make_app, redis_url, user_key, receiver):
    from app.ai.jobs import run_generation_job
    from app.webhooks.delivery import deliver_due

    app = make_app(REDIS_URL=redis_url, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    client, headers = app.test_client(), bearer(user_key[1])
    url = receiver.url + "/mine"
    done = client.post("/ai/generate?async=true", headers=headers, json={"prompt": "later", "webhook_url": url})
    cancelled = client.post("/ai/generate?async=true", headers=headers, json={"prompt": "never", "webhook_url": url})
    assert done.status_code == cancelled.status_code == 202
    assert client.post(f"/ai/jobs/{cancelled.get_json()['id']}/cancel", headers=headers).status_code == 200
    with app.app_context():
        assert run_generation_job(done.get_json()["id"]) == "finished"
        deliver_due()  # what the worker's queued delivery job does
    [endpoint] = client.get("/webhooks/endpoints", headers=headers).get_json()["items"]
    assert endpoint["url"] == url and endpoint["events"] is None
    events = [Webhook(endpoint["secret"]).verify(seen.body, seen.headers) for seen in receiver.requests]
    by_type = {event["type"]: event["data"] for event in events}
    assert by_type["job.cancelled"]["job_id"] == cancelled.get_json()["id"]
    assert by_type["generation.succeeded"]["job_id"] == done.get_json()["id"]
    assert len(events) == 2
    empty_tables(app)


def test_a_failure_is_announced_once_and_its_replay_is_not(make_app, user_key, receiver):
    app = make_app(WEBHOOK_ALLOWED_HOSTS="127.0.0.1", AI_PROVIDER="openai", OPENAI_API_KEY=None)
    client, headers = app.test_client(), bearer(user_key[1])
    endpoint = _register(client, user_key[1], receiver.url + "/hook", events=("generation.failed",)).get_json()
    for _ in range(2):
        failed = client.post("/ai/generate", headers=headers, json={"prompt": "x", "request_id": "once"})
        assert failed.status_code == 503
    assert _wait_for(lambda: len(receiver.requests) == 1)
    time.sleep(0.5)
    [seen] = receiver.requests
    event = Webhook(endpoint["secret"]).verify(seen.body, seen.headers)
    assert event["type"] == "generation.failed" and event["data"]["request_id"] == "once"
    assert event["data"]["error"]["error_code"] == "provider_misconfigured"
    assert len(client.get("/webhooks/deliveries", headers=headers).get_json()["items"]) == 1
    empty_tables(app)
