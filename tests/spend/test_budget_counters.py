"""A key's budget and the daily quota are taken together in Redis: a day's lost counter is rebuilt
from the rows even when a budget is taken in the same step, and so are the budgets' own counters; the budget
refuses on its own."""

from decimal import Decimal

import redis
from sqlalchemy import func, select

from app.auth import service
from app.extensions import db
from app.governance.limits import set_key_limits, set_user_budget
from app.models import ApiKey, GeneratedImage
from tests.ai.openai_standin import openai_images
from tests.ai.servers import serve
from tests.support import bearer


def _budgeted_key(app, generations):
    with app.app_context():
        user = service.create_user("counted")
        key, plaintext = service.create_api_key(user, name="budgeted")
        set_key_limits(db.session.get(ApiKey, key.id), {"budget_generations": generations, "budget_period": "month"})
        return plaintext


def test_the_daily_counter_lost_by_redis_is_rebuilt_while_the_budget_is_taken_with_it(provider_app, redis_url):
    app = provider_app(REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=3)
    key = _budgeted_key(app, 10)
    client = app.test_client()
    for index in range(2):
        assert client.post("/ai/generate", headers=bearer(key), json={"prompt": f"p{index}"}).status_code == 201
    redis.Redis.from_url(redis_url).flushdb()  # a restart without persistence
    assert client.post("/ai/generate", headers=bearer(key), json={"prompt": "third"}).status_code == 201
    refused = client.post("/ai/generate", headers=bearer(key), json={"prompt": "fourth"})
    assert refused.status_code == 429 and "budget" not in refused.get_json()  # the rebuilt daily quota refuses
    budgets = client.get("/analytics/budgets", headers=bearer(key)).get_json()["budgets"]
    assert [budget["generations"] for budget in budgets] == [3]  # rebuilt from the rows too; the 429 took none


def test_a_spent_budget_refuses_before_the_daily_quota_in_redis(provider_app, redis_url):
    app = provider_app(REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=10)
    key = _budgeted_key(app, 2)
    client = app.test_client()
    for index in range(2):
        assert client.post("/ai/generate", headers=bearer(key), json={"prompt": f"p{index}"}).status_code == 201
    refused = client.post("/ai/generate", headers=bearer(key), json={"prompt": "third"})
    budget = refused.get_json()["budget"]
    assert refused.status_code == 429 and budget["owner"] == "key" and budget["exceeded"] == "generations"
    assert client.get("/me/usage", headers=bearer(key)).get_json()["generations_today"] == 2  # nothing taken


def test_budgets_lost_by_redis_are_rebuilt_from_the_rows_and_still_refuse_at_their_limit(provider_app, redis_url):
    """A key's monthly USD budget and a user's monthly count, both partly spent, then a Redis flush: the
    next request is counted from what the rows say was spent this period, not from zero."""
    usd = Decimal("0.03")  # three low-quality images of about $0.00876; the fourth would pass it
    with serve(openai_images()) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                           REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=-1, DAILY_COST_LIMIT_USD=-1)
        with app.app_context():
            ana, bo = service.create_user("ana"), service.create_user("bo")
            key, priced = service.create_api_key(ana, name="app")
            set_key_limits(key, {"budget_usd": usd, "budget_period": "month"})
            key_id = key.id
            set_user_budget(bo, {"budget_generations": 3, "budget_period": "month"})
            _bo_key, counted = service.create_api_key(bo, name="main")
        client = app.test_client()

        def generate(plaintext, n=1):
            return client.post("/ai/generate", headers=bearer(plaintext), json={"prompt": "a quay", "quality": "low",
                                                                                 "n": n})

        assert [generate(priced).status_code for _ in range(3)] == [201] * 3
        assert generate(counted, n=2).status_code == 201
        redis.Redis.from_url(redis_url).flushdb()  # a restart without persistence
        calls = len(server.requests)
        refused = generate(priced)
        assert refused.status_code == 429 and len(server.requests) == calls, refused.get_json()
        with app.app_context():
            spent = db.session.scalar(select(func.sum(GeneratedImage.cost_usd)).where(GeneratedImage.api_key_id == key_id))
        budget = refused.get_json()["budget"]
        assert (budget["owner"], budget["exceeded"]) == ("key", "cost_usd")
        assert Decimal(str(budget["spent"])) == spent  # the rows' exact cost, as before the flush

        assert generate(counted, n=2).status_code == 429  # 2 made + 2 > 3, counted from the rows
        assert generate(counted).status_code == 201 and generate(counted).status_code == 429
        budgets = {b["owner"]: b for b in client.get("/analytics/budgets", headers=bearer(counted)).get_json()["budgets"]}
        assert budgets["user"]["generations"] == 3


def test_a_spent_budgets_retry_after_reaches_the_next_period(monkeypatch):
    from datetime import UTC, datetime, timedelta

    from app.ai import quota

    resets_at = datetime(2026, 4, 1, tzinfo=UTC)
    monkeypatch.setattr(quota, "utcnow", lambda: resets_at - timedelta(seconds=1.6))
    assert quota._seconds_until(resets_at) == 2  # not 1: a client back after 1 s would be refused again
    monkeypatch.setattr(quota, "utcnow", lambda: resets_at + timedelta(seconds=0.5))  # the period just ended
    assert quota._seconds_until(resets_at) == 1
