"""Daily generation and cost quotas, enforced atomically.

A generation first ``reserve()``s its units and estimated cost; the
reservation is ``settle()``d with the real cost or ``release()``d if the
generation failed. Check and increment happen in one step — a Lua script in
Redis (shared by every process of every machine) or, without Redis, a file in
instance/ under an exclusive lock (shared by every process of this machine,
kept across restarts) — so with 10 units left, exactly 10 of 100 concurrent
requests get through.

Redis may lose its counters (a restart without persistence): a counter that
does not exist yet is first rebuilt from the ``generated_images`` rows it
counts (a user's today, a key's or user's budget period), so a restart never
hands out a quota or a budget again. Redis away is
``QuotaUnavailable`` (a 503 for the caller); giving units back while it is
away is logged and left to the rebuild.
"""

import functools
import logging
import math
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db, held
from app.models import GeneratedImage, User
from app.redis_client import get_redis

from .counter_file import FileCounters
from .limits import rate_limits_for

MICRO = 1_000_000  # costs are counted in micro-dollars, as integers

log = logging.getLogger(__name__)

# KEYS: (generations, cost) per counted limit. ARGV: units, cost, then per limit: unit limit (-1 = none),
# cost limit (-1 = none), ttl. A limit whose counters are missing must be rebuilt first (the answer is then
# {-2, i}). Every limit is checked before any is taken: all or nothing.
_RESERVE = """
local units, cost = tonumber(ARGV[1]), tonumber(ARGV[2])
local n = #KEYS / 2
for i = 1, n do
  if redis.call('EXISTS', KEYS[2 * i - 1]) == 0 then return {-2, i, 0, 0} end
end
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local spent = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local unit_limit, cost_limit = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  if unit_limit >= 0 and used + units > unit_limit then return {0, i, used, spent} end
  if cost_limit >= 0 and spent + cost > cost_limit then return {-1, i, used, spent} end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[2 * i - 1], units)
  redis.call('INCRBY', KEYS[2 * i], cost)
  redis.call('EXPIRE', KEYS[2 * i - 1], ARGV[3 * i + 2])
  redis.call('EXPIRE', KEYS[2 * i], ARGV[3 * i + 2])
end
return {1, 0, 0, 0}
"""


class QuotaUnavailable(Exception):
    """The quota counter (Redis) cannot be reached: nothing can be reserved now."""


class LimitReached(Exception):
    """The ``index``-th counted limit of a reservation would be exceeded (``quota``: generations or cost_usd)."""

    def __init__(self, index, quota, used, spent):
        super().__init__(f"limit {index} ({quota}) reached")
        self.index, self.quota, self.used, self.spent = index, quota, used, spent


@dataclass(frozen=True)
class Counted:
    """One limit a reservation takes from: its two counters (generations, micro-dollars), limits, lifetime;
    ``rebuild()``: (images, micro-dollars) its rows count, what its counters start from when Redis has none."""

    keys: tuple
    limits: "Limits"
    ttl: int
    rebuild: Callable[[], tuple[int, int]]


class QuotaExceeded(Exception):
    """A daily quota would be exceeded; ``retry_after`` is seconds until it resets."""

    def __init__(self, quota, limit, used, retry_after):
        super().__init__(f"daily {quota} quota of {limit} reached (used {used})")
        self.quota, self.limit, self.used, self.retry_after = quota, limit, used, retry_after


@dataclass
class Limits:
    generations: int | None  # None = unlimited
    cost_usd: float | None


def _today():
    return datetime.now(UTC).strftime("%Y%m%d")


def seconds_until_reset():
    """Whole seconds until midnight UTC, rounded up: a client that waits that long finds the new day."""
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return math.ceil((tomorrow - now).total_seconds())


class Quotas:
    def __init__(self, redis_client=None, path=None):
        self.redis = redis_client
        self.counters = None if redis_client else FileCounters(path)
        self._script = redis_client.register_script(_RESERVE) if redis_client else None

    def _keys(self, identity):
        day = _today()
        return (f"imprint:quota:{identity}:{day}:gen", f"imprint:quota:{identity}:{day}:cost")

    def daily(self, identity, limits):
        """Today's quota of ``identity`` as a Counted limit."""
        return Counted(self._keys(identity), limits, seconds_until_reset() + 3600,
                       rebuild=functools.partial(made_today, identity))

    def reserve(self, identity, limits, units=1, cost_usd=0.0):
        """Take ``units`` and ``cost_usd`` from today's quota or raise QuotaExceeded."""
        try:
            return self.reserve_all([self.daily(identity, limits)], units, cost_usd)
        except LimitReached as reached:
            raise daily_exceeded(reached, limits) from None

    def reserve_all(self, counted, units=1, cost_usd=0.0):
        """Take ``units`` and ``cost_usd`` from every Counted limit at once, or from none: raises LimitReached."""
        cost = int(round((cost_usd or 0) * MICRO))
        keys = tuple(key for entry in counted for key in entry.keys)
        if not counted:
            return Reservation(self, keys, units, cost)
        limits = [(-1 if entry.limits.generations is None else int(entry.limits.generations),
                   -1 if entry.limits.cost_usd is None else int(round(entry.limits.cost_usd * MICRO)),
                   entry.ttl) for entry in counted]
        if self._script:
            ok, index, used, spent = self._reserve_in_redis(counted, keys, [units, cost], limits)
        else:
            ok, index, used, spent = self.counters.reserve_all(keys, units, cost, [limit[:2] for limit in limits])
        if ok != 1:
            raise LimitReached(int(index) - 1, "generations" if ok == 0 else "cost_usd", int(used), int(spent) / MICRO)
        return Reservation(self, keys, units, cost)

    def _reserve_in_redis(self, counted, keys, amounts, limits):
        args = [value for limit in limits for value in limit]
        try:
            # Each missing counter (a new period, or Redis lost its data) is rebuilt once, then the script runs again.
            for _attempt in range(len(counted) + 1):
                answer = self._script(keys=list(keys), args=[*amounts, *args])
                if answer[0] != -2:
                    return answer
                entry = counted[int(answer[1]) - 1]
                for key, value in zip(entry.keys, entry.rebuild(), strict=True):
                    self.redis.set(key, value, nx=True, ex=entry.ttl)
        except redis.exceptions.RedisError as error:
            raise QuotaUnavailable(f"the quota counter (Redis) is unavailable: {type(error).__name__}") from error
        raise QuotaUnavailable("the quota counters (Redis) vanish as they are rebuilt")

    def _add(self, key, amount):
        if amount == 0:
            return
        if not self.redis:
            self.counters.add(key, amount)
            return
        try:
            self.redis.incrby(key, amount)
        except redis.exceptions.RedisError as error:  # the day's rebuild from the rows corrects it
            log.warning("quota: %s not adjusted by %s: %s", key, amount, error)

    def read(self, keys):
        """The current values of ``keys`` (0 when absent)."""
        if self.redis:
            return [int(v or 0) for v in self.redis.mget(list(keys))]
        return [self.counters.get(key) for key in keys]

    def usage(self, identity):
        """Today's generations and cost for ``identity``."""
        keys = self._keys(identity)
        if self.redis:
            values = [int(v or 0) for v in self.redis.mget(keys)]
        else:
            values = [self.counters.get(key) for key in keys]
        return {"generations": values[0], "cost_usd": values[1] / MICRO, "resets_in": seconds_until_reset()}


@dataclass
class Reservation:
    quotas: Quotas
    keys: tuple
    units: int
    cost: int
    done: bool = False

    def settle(self, actual_cost_usd):
        """Replace the estimated cost by the real one (unknown cost keeps the estimate)."""
        if not self.done and actual_cost_usd is not None:
            for cost_key in self.keys[1::2]:
                self.quotas._add(cost_key, int(round(actual_cost_usd * MICRO)) - self.cost)
        self.done = True

    def release(self):
        """Give back units and cost: the generation did not happen."""
        if not self.done:
            for units_key, cost_key in zip(self.keys[0::2], self.keys[1::2], strict=True):
                self.quotas._add(units_key, -self.units)
                self.quotas._add(cost_key, -self.cost)
        self.done = True


def daily_exceeded(reached, limits):
    if reached.quota == "generations":
        return QuotaExceeded("generations", limits.generations, reached.used, seconds_until_reset())
    return QuotaExceeded("cost_usd", limits.cost_usd, reached.spent, seconds_until_reset())


def get_quotas(app=None):
    """The app's quota counters (Redis, else a file under instance/), made once per app."""
    return held("imprint_quotas", app, lambda app: Quotas(get_redis(app), counters_path(app)))


def counters_path(app):
    """The counter file used without Redis."""
    return app.config.get("QUOTA_COUNTERS_PATH") or os.path.join(app.instance_path, "quota-counters.json")


def limits_for(principal, user=None, config=None):
    """The daily limits that apply to a caller: the user's override, else the defaults."""
    config = config or current_app.config
    if principal is None:
        return Limits(
            _unlimited_if_negative(config["ANON_DAILY_GENERATION_LIMIT"]),
            _unlimited_if_negative(config["ANON_DAILY_COST_LIMIT_USD"]),
        )
    if principal.is_admin:
        return Limits(None, None)
    generations = getattr(user, "daily_generation_limit", None)
    cost = getattr(user, "daily_cost_limit_usd", None)
    return Limits(
        _unlimited_if_negative(generations if generations is not None else config["DAILY_GENERATION_LIMIT"]),
        _unlimited_if_negative(float(cost) if cost is not None else config["DAILY_COST_LIMIT_USD"]),
    )


def _unlimited_if_negative(value):
    return None if value is None or value < 0 else value


def quota_identity(principal, ip):
    return f"user:{principal.user_id}" if principal else f"ip:{ip or 'unknown'}"


def _midnight():
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def users_today(limit=1000):
    """Users with images made today (the ones whose counters can be compared with their rows)."""
    return db.session.scalars(select(GeneratedImage.user_id).distinct().where(
        GeneratedImage.user_id.is_not(None), GeneratedImage.status == "success",
        GeneratedImage.created_at >= _midnight()).limit(limit)).all()


def counted_today(identity):
    """Today's generations counter of ``identity`` in Redis, or None when Redis does not count."""
    quotas = get_quotas()
    if not quotas.redis:
        return None
    value = quotas.redis.get(quotas._keys(identity)[0])
    return None if value is None else int(value)


def made_today(identity):
    """(images, micro-dollars) ``identity`` (``quota_identity``'s) made today by the ``generated_images`` rows;
    an anonymous caller's rows do not keep the address, so theirs start again from zero."""
    if not identity.startswith("user:"):
        return 0, 0
    return made_since(GeneratedImage.user_id == uuid.UUID(identity[5:]), _midnight())


def made_since(owner, since):
    """(images, micro-dollars of their known costs) of the successful ``generated_images`` rows that match
    ``owner`` (a condition) made from ``since`` on."""
    count, cost = db.session.execute(
        select(func.count(), func.coalesce(func.sum(GeneratedImage.cost_usd), 0))
        .where(owner, GeneratedImage.status == "success", GeneratedImage.created_at >= since)).one()
    return int(count), int(Decimal(str(cost)) * MICRO)


def usage_today(principal, address):
    """The caller's generations and cost today against their limits (None = unlimited), and each rate-limit group's limit."""
    user = db.session.get(User, principal.user_id) if principal is not None else None
    limits = limits_for(principal, user)
    identity = quota_identity(principal, address)
    usage = get_quotas().usage(identity)
    rpm = user.requests_per_minute if user and user.requests_per_minute else None
    rate_limits = rate_limits_for(current_app.config, rpm)
    return {
        "identity": identity,
        "generations_today": usage["generations"],
        "generation_limit": limits.generations,
        "cost_today_usd": usage["cost_usd"],
        "cost_limit_usd": limits.cost_usd,
        "resets_in_seconds": usage["resets_in"],
        "rate_limit": rate_limits["default"],
        "rate_limits": rate_limits,
    }
