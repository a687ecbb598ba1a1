"""Daily quotas are atomic: with 10 units left, exactly 10 of 100 concurrent reservations win."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from app.security.quotas import Limits, QuotaExceeded, Quotas


def _race(quotas, limits, attempts=100, cost=0.0):
    def attempt(_):
        try:
            # an address's quota: a new day's counter starts at zero, with no ledger to read (a user's is rebuilt
            # from their generated_images rows, which needs an app and a real user id)
            quotas.reserve("ip:203.0.113.7", limits, units=1, cost_usd=cost)
            return True
        except QuotaExceeded:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        return sum(pool.map(attempt, range(attempts)))


def test_file_quota_admits_exactly_the_limit(tmp_path):
    assert _race(Quotas(path=str(tmp_path / "counters.json")), Limits(generations=10, cost_usd=None)) == 10


def test_file_quota_survives_a_restart(tmp_path):
    path = str(tmp_path / "counters.json")
    Quotas(path=path).reserve("user:a", Limits(generations=2, cost_usd=None), units=2)
    with pytest.raises(QuotaExceeded):  # a new process reads what the last one counted
        Quotas(path=path).reserve("user:a", Limits(generations=2, cost_usd=None))


def test_redis_quota_admits_exactly_the_limit(redis_url):
    assert _race(Quotas(redis.Redis.from_url(redis_url)), Limits(generations=10, cost_usd=None)) == 10


def test_cost_budget_is_atomic_too(redis_url):
    quotas = Quotas(redis.Redis.from_url(redis_url))
    assert _race(quotas, Limits(generations=None, cost_usd=1.0), cost=0.25) == 4


def test_release_gives_back_and_settle_corrects_the_cost(tmp_path):
    quotas = Quotas(path=str(tmp_path / "counters.json"))
    limits = Limits(generations=2, cost_usd=1.0)
    first = quotas.reserve("user:a", limits, cost_usd=0.4)
    first.release()
    second = quotas.reserve("user:a", limits, cost_usd=0.4)
    second.settle(0.9)
    assert quotas.usage("user:a")["generations"] == 1
    assert quotas.usage("user:a")["cost_usd"] == pytest.approx(0.9)
    with pytest.raises(QuotaExceeded) as exceeded:
        quotas.reserve("user:a", limits, cost_usd=0.2)
    assert exceeded.value.quota == "cost_usd" and exceeded.value.retry_after > 0


def test_me_usage_reports_limits(client, user_key):
    from tests.support import bearer

    _u, key = user_key
    usage = client.get("/me/usage", headers=bearer(key)).json
    assert usage["generations_today"] == 0
    assert usage["generation_limit"] == 200
    assert usage["identity"].startswith("user:")
    anonymous = client.get("/me/usage").json
    assert anonymous["identity"] == "ip:127.0.0.1" and anonymous["generation_limit"] == 20
