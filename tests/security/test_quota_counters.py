"""The daily quota's counters: a UTC day, a Retry-After that reaches the next day, the same answers from the
file and from Redis."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.security import counter_file
from app.security import quotas as quotas_module
from app.security.quotas import (
    Counted,
    LimitReached,
    Limits,
    QuotaExceeded,
    Quotas,
    QuotaUnavailable,
    Reservation,
)


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


def _counted(name, limits, rebuilt=(0, 0), ttl=1000, calls=None):
    def rebuild():
        if calls is not None:
            calls.append(name)
        return rebuilt

    return Counted((f"test:{name}:gen", f"test:{name}:cost"), limits, ttl, rebuild)


def test_every_limit_missing_its_counters_is_rebuilt_from_its_rows(redis_url):
    client = redis.Redis.from_url(redis_url)
    calls = []
    day = _counted("day", Limits(10, None), rebuilt=(2, 300_000), calls=calls)
    budget = _counted("budget", Limits(None, 5.0), rebuilt=(5, 0), calls=calls)
    Quotas(client).reserve_all([day, budget], units=1, cost_usd=0.1)
    assert [int(v) for v in client.mget([*day.keys, *budget.keys])] == [3, 400_000, 6, 100_000]
    assert calls == ["day", "budget"]  # each once
    Quotas(client).reserve_all([day, budget], units=1, cost_usd=0.1)
    assert calls == ["day", "budget"]  # counters that exist are not rebuilt again


def test_rebuilt_counters_count_against_the_limit_and_keep_their_lifetime(redis_url):
    client = redis.Redis.from_url(redis_url)
    full = _counted("full", Limits(4, None), rebuilt=(4, 0), ttl=1000)
    with pytest.raises(LimitReached) as reached:
        Quotas(client).reserve_all([full], units=1)
    assert (reached.value.index, reached.value.quota, reached.value.used) == (0, "generations", 4)
    # refused, so the script never set their lifetime: the rebuild did
    assert all(990 <= client.ttl(key) <= 1000 for key in full.keys)


def test_a_rebuild_never_overwrites_counters_another_process_wrote_first(redis_url):
    client = redis.Redis.from_url(redis_url)
    keys = ("test:raced:gen", "test:raced:cost")

    def rebuild():  # the rows read, another process rebuilds and reserves before this one writes
        client.set(keys[0], 7)
        client.set(keys[1], 700_000)
        return 6, 600_000

    Quotas(client).reserve_all([Counted(keys, Limits(None, None), 1000, rebuild)], units=1, cost_usd=0.5)
    assert [int(v) for v in client.mget(keys)] == [8, 1_200_000]


class _Forgetful(redis.Redis):
    """A Redis whose counters vanish as soon as they are written (evicted, flushed)."""

    def set(self, *args, **kwargs):
        return None


def test_counters_that_vanish_as_they_are_rebuilt_are_a_503_not_a_loop(redis_url):
    calls = []
    counted = [_counted("a", Limits(5, None), calls=calls), _counted("b", Limits(5, None), calls=calls)]
    with pytest.raises(QuotaUnavailable, match="vanish"):
        Quotas(_Forgetful.from_url(redis_url)).reserve_all(counted)
    assert calls == ["a", "a", "a"]  # one more try than there are limits, then the caller hears it


def test_a_limit_refused_takes_nothing_from_any_limit(quotas):
    first, second = _counted("first", Limits(5, 1.0)), _counted("second", Limits(5, 0.25))
    quotas.reserve_all([first, second], units=1, cost_usd=0.25)
    with pytest.raises(LimitReached) as reached:
        quotas.reserve_all([first, second], units=1, cost_usd=0.25)
    assert (reached.value.index, reached.value.quota) == (1, "cost_usd")
    assert (reached.value.used, reached.value.spent) == (1, 0.25)
    assert quotas.read([*first.keys, *second.keys]) == [1, 250_000, 1, 250_000]


def test_the_daily_counters_live_until_an_hour_past_midnight(redis_url):
    client = redis.Redis.from_url(redis_url)
    Quotas(client).reserve("ip:203.0.113.9", Limits(5, None))
    lifetime = quotas_module.seconds_until_reset() + 3600
    assert all(lifetime - 5 <= client.ttl(key) <= lifetime for key in Quotas(client)._keys("ip:203.0.113.9"))


def test_redis_away_is_quota_unavailable_and_a_release_is_left_to_the_rebuild(caplog):
    down = Quotas(redis.Redis(host="127.0.0.1", port=_closed_port(), retry=Retry(NoBackoff(), 0)))
    with pytest.raises(QuotaUnavailable, match="ConnectionError"):
        down.reserve("ip:203.0.113.9", Limits(5, None))
    Reservation(down, ("test:x:gen", "test:x:cost"), 1, 100).release()  # logged, not raised
    assert "test:x:gen not adjusted by -1" in caplog.text


def _closed_port():
    with socket.socket() as probe:  # a port just freed: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
