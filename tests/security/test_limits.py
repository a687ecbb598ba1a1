"""Rate limits per key or address: 429 with Retry-After and RateLimit-* headers."""

from tests.support import bearer


def test_over_the_limit_is_429_with_headers(make_app, user_key):
    app = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="3/minute")
    client = app.test_client()
    _user_id, key = user_key
    answers = [client.get("/me", headers=bearer(key)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    first, limited = answers[0], answers[3]
    assert first.headers["RateLimit-Limit"] == "3"
    assert first.headers["RateLimit-Remaining"] == "2"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json["code"] == 429 and limited.json["message"]


def test_each_key_and_each_address_has_its_own_count(make_app, user_key, admin_key):
    app = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="2/minute")
    client = app.test_client()
    _u, key = user_key
    _a, other = admin_key
    assert [client.get("/me", headers=bearer(key)).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/me", headers=bearer(other)).status_code == 200
    anon = [client.get("/me/usage", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code for _ in range(3)]
    assert anon == [200, 200, 429]
    assert client.get("/me/usage", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200


def test_health_is_never_limited(make_app):
    app = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="1/minute")
    client = app.test_client()
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_a_users_own_limit_overrides_the_default(make_app, user_key, admin_key):
    app = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="2/minute")
    client = app.test_client()
    user_id, key = user_key
    _a, admin = admin_key
    set_quota = client.put(f"/users/{user_id}/quota", json={"requests_per_minute": 5}, headers=bearer(admin))
    assert set_quota.status_code == 200 and set_quota.json["requests_per_minute"] == 5
    assert [client.get("/me", headers=bearer(key)).status_code for _ in range(6)] == [200] * 5 + [429]


def test_limits_are_shared_through_redis_by_two_app_instances(make_app, user_key, redis_url):
    first = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="4/minute", REDIS_URL=redis_url)
    second = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="4/minute", REDIS_URL=redis_url)
    _u, key = user_key
    codes = []
    for app in (first, second, first, second, first):
        codes.append(app.test_client().get("/me", headers=bearer(key)).status_code)
    assert codes == [200, 200, 200, 200, 429]


def test_retry_after_only_on_429_and_503_with_the_real_wait(make_app, user_key):
    app = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="2/minute", AI_PROVIDER="automatic1111",
                   A1111_URL="http://127.0.0.1:9", PROVIDER_RETRIES=0, DAILY_GENERATION_LIMIT=0)
    client, headers = app.test_client(), bearer(user_key[1])
    ok = client.get("/me", headers=headers)
    assert ok.status_code == 200 and "Retry-After" not in ok.headers
    unreachable = client.post("/ai/generate", json={"prompt": "x"})  # anonymous: the provider is down
    assert unreachable.status_code == 502 and "Retry-After" not in unreachable.headers
    quota = client.post("/ai/generate", json={"prompt": "x"}, headers=headers)
    assert quota.status_code == 429
    assert int(quota.headers["Retry-After"]) > 60  # the daily quota's reset, not the minute's window
    assert client.get("/me", headers=headers).status_code == 200
    limited = client.get("/me", headers=headers)
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
    assert "X-Imprint-Limiter-Retry-After" not in limited.headers
