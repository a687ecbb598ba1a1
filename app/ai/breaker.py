"""A circuit breaker per provider target, so a dead target is skipped at once instead of timing out per request.

closed     calls go through; ``BREAKER_FAILURES`` consecutive failures open it
open       calls are skipped for ``BREAKER_COOLDOWN`` seconds
half-open  after the cool-down one call (one across every process) tries the target:
           success closes the breaker, failure opens it for another cool-down

With Redis the state is shared by every process and machine (a hash per
target, and a ``SET NX`` key for the half-open trial); without it each process
keeps its own. A Redis that does not answer never blocks a generation: the
breaker then lets the call through.
"""

import logging
import threading
import time

from redis.exceptions import RedisError

log = logging.getLogger(__name__)
KEY = "imprint:breaker:"
KEEP_SECONDS = 86400  # an idle target's state is forgotten after a day


class LocalStore:
    """The state of one process's targets: {key: [failures, open_until]}."""

    def __init__(self):
        self._state, self._trials, self._lock = {}, {}, threading.Lock()

    def failures(self, key):
        with self._lock:
            return tuple(self._state.get(key, (0, 0.0)))

    def add_failure(self, key, threshold, cooldown, now):
        with self._lock:
            failures, open_until = self._state.get(key, (0, 0.0))
            failures += 1
            if failures >= threshold:
                open_until = now + cooldown
            self._state[key] = (failures, open_until)
            self._trials.pop(key, None)
            return failures

    def reset(self, key):
        with self._lock:
            self._state.pop(key, None)
            self._trials.pop(key, None)

    def take_trial(self, key, cooldown, now):
        with self._lock:
            if self._trials.get(key, 0.0) > now:
                return False
            self._trials[key] = now + cooldown
            return True


class RedisStore:
    """The same state in Redis, shared by every process."""

    def __init__(self, redis):
        self.redis = redis

    def failures(self, key):
        failures, open_until = self.redis.hmget(KEY + key, "failures", "open_until")
        return int(failures or 0), float(open_until or 0)

    def add_failure(self, key, threshold, cooldown, now):
        pipe = self.redis.pipeline()
        pipe.hincrby(KEY + key, "failures", 1)
        pipe.expire(KEY + key, KEEP_SECONDS)
        pipe.delete(KEY + key + ":trial")
        failures = pipe.execute()[0]
        if failures >= threshold:
            self.redis.hset(KEY + key, "open_until", now + cooldown)
        return failures

    def reset(self, key):
        self.redis.delete(KEY + key, KEY + key + ":trial")

    def take_trial(self, key, cooldown, now):
        return bool(self.redis.set(KEY + key + ":trial", now, nx=True, ex=max(1, int(cooldown))))


class Breaker:
    """``allow(key)`` before a call, ``succeeded``/``failed`` after it; ``state(key)`` for metrics and the docs."""

    def __init__(self, store, threshold=5, cooldown=30.0, clock=time.time):
        self.store, self.threshold, self.cooldown, self.clock = store, threshold, cooldown, clock
        self._local = LocalStore()  # used while the shared store does not answer

    def _call(self, method, *args):
        try:
            return getattr(self.store, method)(*args)
        except RedisError as error:
            log.warning("circuit breaker: Redis did not answer (%s); this process decides alone", error)
            return getattr(self._local, method)(*args)

    def state(self, key):
        """closed, open or half_open (the cool-down is over: the next call is a trial)."""
        if self.threshold <= 0:
            return "closed"
        failures, open_until = self._call("failures", key)
        if failures < self.threshold:
            return "closed"
        return "open" if self.clock() < open_until else "half_open"

    def allow(self, key):
        """(allowed, seconds until a trial): closed lets through, open skips, half-open lets one trial through."""
        state = self.state(key)
        if state == "closed":
            return True, None
        now = self.clock()
        if state == "half_open" and self._call("take_trial", key, self.cooldown, now):
            return True, None
        _failures, open_until = self._call("failures", key)
        return False, max(1.0, open_until - now)

    def succeeded(self, key):
        if self.threshold > 0:
            self._call("reset", key)

    def failed(self, key):
        if self.threshold > 0:
            self._call("add_failure", key, self.threshold, self.cooldown, self.clock())


def build_breaker(config, redis):
    """The breaker the settings ask for, shared through ``redis`` when there is one."""
    store = RedisStore(redis) if redis is not None else LocalStore()
    return Breaker(store, int(config.get("BREAKER_FAILURES", 5)), float(config.get("BREAKER_COOLDOWN", 30)))
