"""A key's budget and the daily quota are taken together in Redis: a day's lost counter is rebuilt
from the rows even when a budget is taken in the same step, and the budget refuses on its own."""

import redis

from app.auth import service
from app.extensions import db
from app.models import ApiKey
from app.spend.governance import set_key_limits
from tests.ai.test_paid_work import paid_app  # noqa: F401  (the fixture)
from tests.support import bearer


def _budgeted_key(app, generations):
    with app.app_context():
        user = service.create_user("counted")
        key, plaintext = service.create_api_key(user, name="budgeted")
        set_key_limits(db.session.get(ApiKey, key.id), {"budget_generations": generations, "budget_period": "month"})
        return plaintext


def test_the_daily_counter_lost_by_redis_is_rebuilt_while_the_budget_is_taken_with_it(paid_app, redis_url):  # noqa: F811
    app = paid_app(REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=3)
    key = _budgeted_key(app, 10)
    client = app.test_client()
    for index in range(2):
        assert client.post("/ai/generate", headers=bearer(key), json={"prompt": f"p{index}"}).status_code == 201
    redis.Redis.from_url(redis_url).flushdb()  # a restart without persistence
    assert client.post("/ai/generate", headers=bearer(key), json={"prompt": "third"}).status_code == 201
    refused = client.post("/ai/generate", headers=bearer(key), json={"prompt": "fourth"})
    assert refused.status_code == 429 and "budget" not in refused.get_json()  # the rebuilt daily quota refuses
    budgets = client.get("/analytics/budgets", headers=bearer(key)).get_json()["budgets"]
    assert [budget["generations"] for budget in budgets] == [1]  # a budget restarts from zero; none was taken by the 429


def test_a_spent_budget_refuses_before_the_daily_quota_in_redis(paid_app, redis_url):  # noqa: F811
    app = paid_app(REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=10)
    key = _budgeted_key(app, 2)
    client = app.test_client()
    for index in range(2):
        assert client.post("/ai/generate", headers=bearer(key), json={"prompt": f"p{index}"}).status_code == 201
    refused = client.post("/ai/generate", headers=bearer(key), json={"prompt": "third"})
    budget = refused.get_json()["budget"]
    assert refused.status_code == 429 and budget["owner"] == "key" and budget["exceeded"] == "generations"
    assert client.get("/me/usage", headers=bearer(key)).get_json()["generations_today"] == 2  # nothing taken
