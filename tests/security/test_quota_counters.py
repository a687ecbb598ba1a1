"""The daily quota's counters: a UTC day, a Retry-After that reaches the next day, the same answers from the
file and from Redis."""

from datetime import UTC, datetime, timedelta

import pytest
import redis

from app.security import counter_file
from app.security import quotas as quotas_module
from app.security.quotas import Limits, QuotaExceeded, Quotas


@pytest.fixture(params=["file", "redis"])
def quotas(request, tmp_path):
    """The counters without Redis (a file) and with it: both must answer the same."""
    if request.param == "file":
        return Quotas(path=str(tmp_path / "counters.json"))
    return Quotas(redis.Redis.from_url(request.getfixturevalue("redis_url")))


class _Clock(datetime):
    at = None

    @classmethod
    def now(cls, tz=None):
        return cls.at


@pytest.fixture
def clock(monkeypatch):
    """Sets the quotas' "now" (UTC), the counter file's too (it forgets the days that are over)."""
    monkeypatch.setattr(quotas_module, "datetime", _Clock)
    monkeypatch.setattr(counter_file, "datetime", _Clock)

    def set_to(moment):
        _Clock.at = moment
        return moment

    return set_to


def test_a_client_that_waits_retry_after_finds_the_new_day(quotas, clock):
    now = clock(datetime(2026, 3, 9, 23, 59, 58, 400_000, tzinfo=UTC))
    limits = Limits(generations=1, cost_usd=None)
    quotas.reserve("ip:203.0.113.9", limits)
    with pytest.raises(QuotaExceeded) as exceeded:
        quotas.reserve("ip:203.0.113.9", limits)
    assert exceeded.value.retry_after == 2  # 1.6 s to midnight, rounded up
    clock(now + timedelta(seconds=exceeded.value.retry_after))
    quotas.reserve("ip:203.0.113.9", limits)  # a new day: admitted


@pytest.mark.parametrize(("moment", "seconds"), [
    (datetime(2026, 3, 9, 0, 0, 0, tzinfo=UTC), 86_400),
    (datetime(2026, 3, 9, 12, 0, 0, 500_000, tzinfo=UTC), 43_200),
    (datetime(2026, 3, 9, 23, 59, 59, 999_000, tzinfo=UTC), 1),
])
def test_resets_in_counts_whole_seconds_to_midnight_utc(quotas, clock, moment, seconds):
    clock(moment)
    assert quotas.usage("ip:203.0.113.9")["resets_in"] == seconds
