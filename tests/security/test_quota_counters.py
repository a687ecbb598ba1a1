"""The daily quota's counters: a UTC day, a Retry-After that reaches the next day, the same answers from the
file and from Redis."""

import socket
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.extensions import db
from app.models import User
from app.security import counter_file
from app.security import quotas as quotas_module
from app.security.limits import rate_limits_for
from app.security.quotas import (
    Counted,
    LimitReached,
    Limits,
    QuotaExceeded,
    Quotas,
    QuotaUnavailable,
    Reservation,
    counted_today,
    get_quotas,
    made_today,
    users_today,
)
from tests.factories import make_image, make_user
from tests.support import bearer


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
    longest = quotas_module.seconds_until_reset() + 3600  # the lifetime is set after this: never longer
    Quotas(client).reserve("ip:203.0.113.9", Limits(5, None))
    shortest = quotas_module.seconds_until_reset() + 3600 - 5
    assert all(shortest <= client.ttl(key) <= longest for key in Quotas(client)._keys("ip:203.0.113.9"))


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


def test_the_exceeded_quota_says_which_limit_and_what_was_used(quotas):
    with pytest.raises(QuotaExceeded) as units:
        quotas.reserve("ip:203.0.113.9", Limits(generations=0, cost_usd=None))
    assert (units.value.quota, units.value.limit, units.value.used) == ("generations", 0, 0)
    quotas.reserve("ip:203.0.113.9", Limits(generations=None, cost_usd=0.5), cost_usd=0.5)
    with pytest.raises(QuotaExceeded) as cost:
        quotas.reserve("ip:203.0.113.9", Limits(generations=None, cost_usd=0.5), cost_usd=0.01)
    assert (cost.value.quota, cost.value.limit, cost.value.used) == ("cost_usd", 0.5, 0.5)
    assert str(cost.value) == "daily cost_usd quota of 0.5 reached (used 0.5)"


def test_a_reservation_without_a_cost_takes_none(quotas):
    quotas.reserve("ip:203.0.113.9", Limits(generations=None, cost_usd=0.0))  # a free generation fits a zero budget
    assert quotas.read(list(quotas._keys("ip:203.0.113.9")) + ["test:never:gen"]) == [1, 0, 0]


def test_my_usage_shows_my_own_limits_what_i_spent_and_my_rate(app, client, user_key):
    user_id, key = user_key
    with app.app_context():
        user = db.session.get(User, user_id)
        user.daily_generation_limit, user.daily_cost_limit_usd, user.requests_per_minute = 7, Decimal("2.5"), 45
        db.session.commit()
        get_quotas().reserve(f"user:{user_id}", Limits(7, 2.5), units=2, cost_usd=0.75)
        rates = rate_limits_for(app.config, 45)
    usage = client.get("/me/usage", headers=bearer(key)).json
    resets_in = usage.pop("resets_in_seconds")
    assert usage == {"identity": f"user:{user_id}", "generations_today": 2, "generation_limit": 7,
                     "cost_today_usd": 0.75, "cost_limit_usd": 2.5, "rate_limit": rates["default"],
                     "rate_limits": rates}
    assert rates["default"].startswith("45/")
    assert 0 < resets_in <= 86_400


def test_todays_rows_are_what_a_lost_counter_is_rebuilt_from(app, clock):
    clock(datetime(2026, 3, 9, 10, 30, 30, 500_000, tzinfo=UTC))
    midnight = datetime(2026, 3, 9, tzinfo=UTC)
    with app.app_context():
        alice, bob, carol, dave = (make_user() for _ in range(4))
        make_image(alice.id, created_at=midnight, cost_usd=Decimal("0.25"))  # the day's first instant counts
        make_image(alice.id, created_at=midnight + timedelta(hours=10), cost_usd=Decimal("0.5"))
        make_image(alice.id, created_at=midnight + timedelta(hours=10))  # a price unknown: counted, costs nothing
        make_image(alice.id, created_at=midnight - timedelta(microseconds=1), cost_usd=Decimal("1"))  # yesterday
        make_image(alice.id, created_at=midnight + timedelta(hours=1), status="failed", cost_usd=Decimal("1"))
        make_image(bob.id, created_at=midnight, cost_usd=Decimal("0.1"))  # his only image, at midnight
        make_image(carol.id, created_at=midnight + timedelta(hours=1), status="failed")
        make_image(dave.id, created_at=midnight - timedelta(hours=1))
        make_image(None, created_at=midnight + timedelta(hours=1))  # anonymous
        assert made_today(f"user:{alice.id}") == (3, 750_000)
        assert made_today(f"user:{bob.id}") == (1, 100_000)
        assert made_today(f"ip:{alice.id}") == (0, 0)  # an address, whatever its text
        assert made_today(f"ip:10{alice.id.hex}") == (0, 0)
        assert sorted(users_today()) == sorted([alice.id, bob.id])
        assert len(users_today(limit=1)) == 1


def test_a_counter_not_rebuilt_yet_is_none_not_zero(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    with app.app_context():
        assert counted_today("user:6e1d1a52-5a3c-4b8a-9f61-0b9a3a6f0c11") is None
        get_quotas().reserve("ip:203.0.113.9", Limits(5, None), units=2)
        assert counted_today("ip:203.0.113.9") == 2
    assert counted_today_without_redis(make_app()) is None


def counted_today_without_redis(app):
    with app.app_context():
        get_quotas().reserve("ip:203.0.113.9", Limits(5, None))
        return counted_today("ip:203.0.113.9")


def test_a_release_gives_back_every_limit_once(quotas):
    first, second = _counted("first", Limits(5, 1.0)), _counted("second", Limits(5, 1.0))
    kept = quotas.reserve_all([first, second], units=1, cost_usd=0.25)
    released = quotas.reserve_all([first, second], units=2, cost_usd=0.5)
    released.release()
    released.release()  # a second release gives nothing more back
    released.settle(0.75)  # nor does a settle after it
    assert quotas.read([*first.keys, *second.keys]) == [1, 250_000, 1, 250_000]
    kept.settle(0.3)
    kept.release()  # settled: the generation happened
    assert quotas.read([*first.keys, *second.keys]) == [1, 300_000, 1, 300_000]


def test_a_new_identity_has_used_nothing(quotas):
    usage = quotas.usage("ip:198.51.100.20")
    assert (usage["generations"], usage["cost_usd"]) == (0, 0)


def test_the_doctor_compares_at_most_a_thousand_users(app):
    from sqlalchemy import insert

    from app.models import GeneratedImage

    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(1001)]
    with app.app_context():
        db.session.execute(insert(User), [{"id": i, "username": f"u{n}"} for n, i in enumerate(ids)])
        db.session.execute(insert(GeneratedImage), [{"user_id": i, "prompt": "p", "created_at": now} for i in ids])
        db.session.commit()
        assert len(users_today()) == 1000
