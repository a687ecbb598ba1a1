"""Daily generation quotas on POST /ai/generate: exact under concurrency, 429 with Retry-After."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.extensions import db
from app.models import GeneratedImage
from tests.support import bearer


def _generate(client, key, **extra):
    return client.post("/ai/generate", json={"prompt": "a lighthouse at dusk", "size": "256x256", **extra},
                       headers=bearer(key))


def test_the_daily_quota_stops_generations_with_429(make_app, user_key):
    app = make_app(DAILY_GENERATION_LIMIT=2)
    client = app.test_client()
    _user_id, key = user_key
    codes = [_generate(client, key).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    refused = _generate(client, key)
    assert int(refused.headers["Retry-After"]) > 0
    assert "quota" in refused.json["message"]
    usage = client.get("/me/usage", headers=bearer(key)).json
    assert (usage["generations_today"], usage["generation_limit"]) == (2, 2)


def test_n_images_count_as_n_and_a_replay_counts_nothing(make_app, user_key):
    app = make_app(DAILY_GENERATION_LIMIT=3)
    client = app.test_client()
    _user_id, key = user_key
    assert _generate(client, key, n=2, request_id="r-1").status_code == 201
    assert _generate(client, key, n=2, request_id="r-1").status_code == 200  # replay
    assert client.get("/me/usage", headers=bearer(key)).json["generations_today"] == 2
    assert _generate(client, key, n=2).status_code == 429  # 2 + 2 > 3
    assert _generate(client, key, n=1).status_code == 201


def test_exactly_the_remaining_units_succeed_under_100_parallel_requests(make_app, user_key):
    app = make_app(DAILY_GENERATION_LIMIT=10)
    _user_id, key = user_key

    def attempt(_):
        return _generate(app.test_client(), key).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(attempt, range(100)))
    assert codes.count(201) == 10 and codes.count(429) == 90
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GeneratedImage)) == 10


def test_anonymous_callers_are_counted_by_address(make_app):
    app = make_app(ANON_DAILY_GENERATION_LIMIT=1)
    client = app.test_client()
    body = {"prompt": "a fox", "size": "256x256"}
    first = client.post("/ai/generate", json=body, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    second = client.post("/ai/generate", json=body, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    other = client.post("/ai/generate", json=body, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert (first.status_code, second.status_code, other.status_code) == (201, 429, 201)


def test_a_failed_generation_gives_its_units_back(make_app, user_key):
    app = make_app(DAILY_GENERATION_LIMIT=1, AI_PROVIDERS_ALLOWED="procedural,openai",
                   OPENAI_API_KEY="k", OPENAI_BASE_URL="http://127.0.0.1:9/v1", PROVIDER_RETRIES=0,
                   PROVIDER_TIMEOUT=1)
    client = app.test_client()
    _user_id, key = user_key
    failed = _generate(client, key, provider="openai")
    assert failed.status_code >= 500
    assert client.get("/me/usage", headers=bearer(key)).json["generations_today"] == 0
    assert _generate(client, key).status_code == 201
