"""Named routes: when a target fails with an outage the next one serves, every attempt is in the ledger,
a caller's mistake is not sent elsewhere, and an open circuit breaker skips a dead target at once."""

import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from tests.ai.openai_standin import openai_images
from tests.ai.servers import flush_tracking, serve


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _logs(app):
    flush_tracking(app)
    with app.app_context():
        return db.session.scalars(select(GenerationLog).order_by(GenerationLog.created_at)).all()


def _routes(a_url, b_url, **route):
    targets = [{"provider": "openai", "model": "gpt-image-1.5", "settings": {"OPENAI_BASE_URL": a_url}},
               {"provider": "openai", "model": "gpt-image-1-mini", "settings": {"OPENAI_BASE_URL": b_url}}]
    return json.dumps({"images": {"targets": targets, **route}})


def _app(provider_app, a, b, **settings):
    return provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=b.url,
                        AI_ROUTES=_routes(a.url, b.url), PROVIDER_RETRIES=0, **settings)


def _slow(seen):
    time.sleep(1.5)
    return 200, {}, {"created": 0, "data": []}


OUTAGES = {
    "500": lambda seen: (500, {}, {"error": {"message": "The server had an error", "type": "server_error"}}),
    "429": lambda seen: (429, {"Retry-After": "0"}, {"error": {"message": "Rate limit reached", "type": "requests",
                                                               "code": "rate_limit_exceeded"}}),
    "billing": lambda seen: (400, {}, {"error": {"message": "Billing hard limit has been reached",
                                                 "type": "invalid_request_error", "code": "billing_hard_limit_reached"}}),
    "timeout": _slow,
}


@pytest.mark.parametrize("outage", sorted(OUTAGES))
def test_an_outage_at_the_first_target_is_served_by_the_next_and_both_attempts_are_recorded(provider_app, outage):
    with serve(OUTAGES[outage]) as a, serve(openai_images()) as b:
        app = _app(provider_app, a, b, PROVIDER_TIMEOUT=0.5)
        response = app.test_client().post("/ai/generate", json={"prompt": "a lighthouse", "route": "images",
                                                                "quality": "low", "size": "1024x1024"})
    body = response.get_json()
    assert response.status_code == 201, body
    assert len(a.requests) == 1 and len(b.requests) == 1
    assert body["provider"] == "openai" and body["model"] == "gpt-image-1-mini"
    [record] = _records(app)
    assert record.meta["route"] == {"name": "images", "target": "openai/gpt-image-1-mini", "attempts": 2}
    [log] = _logs(app)
    assert [(x["target"], x["outcome"]) for x in log.attempts] == [
        ("openai/gpt-image-1.5", "failed"), ("openai/gpt-image-1-mini", "success")]
    assert log.attempts[0]["error_kind"] == {"500": "unavailable", "429": "rate_limited", "billing": "quota",
                                             "timeout": "timeout"}[outage]
    assert log.model == record.model == "gpt-image-1-mini" and log.success is True
    known = [x["cost_usd"] for x in log.attempts if x["cost_usd"] is not None]
    assert float(record.cost_usd) > 0 and log.attempts[1]["cost_usd"] == pytest.approx(float(record.cost_usd))
    assert log.costs["total"] == pytest.approx(sum(known))


def test_a_callers_mistake_is_not_sent_to_another_target(provider_app):
    bad_size = {"error": {"message": "Invalid size", "type": "invalid_request_error", "param": "size",
                          "code": "invalid_value"}}
    with serve(lambda seen: (400, {}, bad_size)) as a, serve(openai_images()) as b:
        app = _app(provider_app, a, b)
        response = app.test_client().post("/ai/generate", json={"prompt": "x", "route": "images"})
    assert response.status_code == 400 and response.get_json()["field"] == "size"
    assert len(a.requests) == 1 and b.requests == []
    [log] = _logs(app)
    assert [x["outcome"] for x in log.attempts] == ["failed"] and log.success is False


def test_a_content_policy_refusal_falls_back_only_when_the_route_says_so(provider_app):
    refusal = {"error": {"message": "blocked", "type": "image_generation_user_error", "code": "moderation_blocked"}}
    with serve(lambda seen: (400, {}, refusal)) as a, serve(openai_images()) as b:
        app = _app(provider_app, a, b)
        refused = app.test_client().post("/ai/generate", json={"prompt": "x", "route": "images"})
        app.extensions["ai_routes"] = __import__("app.ai.routing", fromlist=["parse_routes"]).parse_routes(
            _routes(a.url, b.url, fallback_on=["unavailable", "refused"]))
        served = app.test_client().post("/ai/generate", json={"prompt": "x", "route": "images", "quality": "low"})
    assert refused.status_code == 400 and served.status_code == 201, served.get_json()
    assert len(b.requests) == 1


def test_an_unknown_route_is_a_422_naming_the_field(provider_app):
    with serve(openai_images()) as a:
        app = _app(provider_app, a, a)
        response = app.test_client().post("/ai/generate", json={"prompt": "x", "route": "nope"})
    assert response.status_code == 422 and "route" in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("raw, problem", [
    ('{"r": {"targets": []}}', "targets"),
    ('{"r": [{"provider": "dalle"}]}', "provider"),
    ('{"openai": ["gemini"]}', "provider's name"),
    ('{"r": {"targets": ["openai"], "fallback_on": ["sometimes"]}}', "fallback_on"),
    ("/nonexistent/routes.json", "cannot read"),
])
def test_a_bad_routes_setting_stops_the_app_naming_the_problem(make_app, raw, problem):
    with pytest.raises(ValueError, match="AI_ROUTES") as raised:
        make_app(AI_ROUTES=raw)
    assert problem in str(raised.value)


def test_a_routes_file_and_weights_among_equals(tmp_path):
    from app.ai.routing import parse_routes

    path = tmp_path / "routes.json"
    path.write_text(json.dumps({"r": {"targets": [{"provider": "openai", "weight": 3, "priority": 0},
                                                  {"provider": "gemini", "weight": 1, "priority": 0},
                                                  {"provider": "procedural", "priority": 1}]}}))
    route = parse_routes(str(path))["r"]
    import random

    rng = random.Random(7)
    firsts = [route.ordered(rng)[0].provider for _ in range(4000)]
    assert 0.70 < firsts.count("openai") / len(firsts) < 0.80
    assert all(route.ordered(rng)[-1].provider == "procedural" for _ in range(50))


def test_the_breaker_opens_after_n_failures_and_the_next_request_goes_straight_to_b(provider_app):
    with serve(OUTAGES["500"]) as a, serve(openai_images()) as b:
        app = _app(provider_app, a, b, BREAKER_FAILURES=2, BREAKER_COOLDOWN=60)
        client = app.test_client()
        for _ in range(3):
            assert client.post("/ai/generate", json={"prompt": "x", "route": "images",
                                                     "quality": "low"}).status_code == 201
    assert len(a.requests) == 2 and len(b.requests) == 3  # the third request did not call A
    metrics = app.test_client().get("/metrics").text
    assert 'imprint_provider_breaker_state{target="openai/gpt-image-1.5"} 2.0' in metrics
    assert 'imprint_route_fallbacks_total{kind="unavailable",route="images",target="openai/gpt-image-1.5"}' in metrics
    assert 'imprint_route_attempts_total{outcome="skipped",target="openai/gpt-image-1.5"}' in metrics
    last = _logs(app)[-1]
    assert last.attempts[0]["outcome"] == "skipped" and last.attempts[0]["ms"] < 100


def test_a_half_open_breaker_lets_one_trial_through_and_closes_on_success(provider_app):
    from app.ai.breaker import Breaker, LocalStore

    now = [1000.0]
    breaker = Breaker(LocalStore(), threshold=2, cooldown=30, clock=lambda: now[0])
    breaker.failed("a")
    assert breaker.allow("a") == (True, None)
    breaker.failed("a")
    assert breaker.state("a") == "open" and breaker.allow("a") == (False, 30.0)
    now[0] += 31
    assert breaker.state("a") == "half_open"
    assert breaker.allow("a") == (True, None) and breaker.allow("a")[0] is False  # one trial only
    breaker.failed("a")
    assert breaker.state("a") == "open"
    now[0] += 31
    assert breaker.allow("a") == (True, None)
    breaker.succeeded("a")
    assert breaker.state("a") == "closed"


SECOND_PROCESS = """
import json, sys
from app import create_app
settings = json.loads(sys.argv[1])
app = create_app(settings)
response = app.test_client().post("/ai/generate", json={"prompt": "x", "route": "images", "quality": "low"})
app.extensions["tracking"].close()
print(response.status_code)
"""


def test_the_breaker_is_shared_across_processes_through_redis(provider_app, redis_url, database_url, tmp_path):
    from tests.support import settings_for

    with serve(OUTAGES["500"]) as a, serve(openai_images()) as b:
        settings = dict(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=b.url,
                        AI_ROUTES=_routes(a.url, b.url), PROVIDER_RETRIES=0, BREAKER_FAILURES=2,
                        BREAKER_COOLDOWN=60, REDIS_URL=redis_url)
        app = provider_app(**settings)
        client = app.test_client()
        for _ in range(2):
            assert client.post("/ai/generate", json={"prompt": "x", "route": "images",
                                                     "quality": "low"}).status_code == 201
        assert len(a.requests) == 2
        other = {**settings_for(database_url, str(tmp_path)), **settings}
        done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, json.dumps(other)], capture_output=True,
                              text=True, timeout=120)
    assert done.stdout.strip().endswith("201"), done.stderr[-2000:]
    assert len(a.requests) == 2 and len(b.requests) == 3  # the other process skipped A without calling it


def test_a_route_is_a_model_name_on_v1_and_the_sdk_gets_the_fallbacks_image(provider_app):
    import openai

    from tests.openai_api.conftest import served
    from tests.support import make_api_key

    with serve(OUTAGES["500"]) as a, serve(openai_images()) as b:
        app = _app(provider_app, a, b)
        with app.app_context():
            _user, key = make_api_key(app, "alice")
        with served(app) as url:
            client = openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)
            assert "images" in [m.id for m in client.models.list().data]
            result = client.images.generate(model="images", prompt="a lighthouse", quality="low")
    assert result.data[0].url and len(a.requests) == 1 and len(b.requests) == 1
    [record] = _records(app)
    assert record.model == "gpt-image-1-mini" and record.meta["route"]["name"] == "images"
    deadline = time.monotonic() + 30  # the served app's thread writes the log after answering
    while not _logs(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    [log] = _logs(app)
    assert [x["outcome"] for x in log.attempts] == ["failed", "success"]


def test_every_attempt_of_a_route_runs_under_the_one_attempt_row_and_its_lease(provider_app, user_key):
    from app.ai import leases
    from app.models import GenerationJob
    from app.security.quotas import get_quotas
    from tests.support import bearer

    seen = []

    def held(answer):
        def handler(request):
            with app.app_context():  # another connection: only committed rows are visible
                seen.append(db.session.execute(select(GenerationJob.id, GenerationJob.status, ~leases.is_lapsed(),
                                                      GenerationJob.reservation)).all())
                db.session.remove()
            return answer(request)
        return handler

    with serve(held(OUTAGES["500"])) as a, serve(held(openai_images())) as b:
        app = _app(provider_app, a, b, DAILY_GENERATION_LIMIT=5)
        response = app.test_client().post("/ai/generate", headers=bearer(user_key[1]),
                                          json={"prompt": "a lighthouse", "route": "images", "quality": "low"})
    assert response.status_code == 201, response.get_json()
    [[first], [second]] = seen  # one row through both calls, running, its lease live, the quota on it
    assert first == second and first[1] == "running" and first[2] and first[3]["units"] == 1
    with app.app_context():
        job = db.session.get(GenerationJob, first[0])
        assert job.status == "finished" and job.lease_expires_at is None and job.reservation is None
        assert get_quotas().usage(f"user:{user_key[0]}")["generations"] == 1
    [log] = _logs(app)
    assert log.job_id == str(first[0]) and [x["outcome"] for x in log.attempts] == ["failed", "success"]
