"""The transports an event goes through, each knowing only the next (as ``storage/fallback.py``):

    RedisTransport ──► WriterTransport ──► SpoolTransport
    (REDIS_URL set)    (always)            (always, the end)

Each has ``send(events)`` (never raises; may return before the events are
passed on), ``flush(timeout)`` (pass on everything sent before the call) and
``close()`` (flush, then stop its thread). A transport that cannot pass a
batch on sends it to the next one, and counts both in ``metrics.SENT`` and
``metrics.FELL_BACK``. The chain is built once per app (``build_chain``).
"""

import json
import logging
import time

from app.redis_client import get_redis

from . import metrics, queue, spool
from .batcher import Batcher

log = logging.getLogger(__name__)
EXIT_TIMEOUT = 30  # seconds close() waits for a round under way (Redis and database calls time out sooner)


def _reason(error):
    text = str(error).splitlines()[0][:300] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class SpoolTransport:
    """The end of the chain: an fsync'd file in ``instance/``, replayed into the database later."""

    name = "spool"

    def __init__(self, path, write, batch_size, replay_interval, max_bytes=None, refuse_seconds=10.0):
        self.path = path
        self.write = write  # persistence: writes a batch or raises when the database refuses
        self.batch_size = batch_size
        self.replay_interval = replay_interval
        self.next_replay_check = 0.0
        self.max_bytes = max_bytes
        self.refuse_seconds = refuse_seconds
        self.refused = None  # (why, until when): neither the database nor the disk took the last events

    def refusal(self):
        """Why new requests should be refused (nowhere to keep their events), or None."""
        refused = self.refused
        return refused[0] if refused and time.monotonic() < refused[1] else None

    def send(self, events):
        try:
            spool.append(self.path, events, self.max_bytes)
            self.refused = None
        except OSError as error:
            self.refused = (f"{error.strerror or error}: {self.path}", time.monotonic() + self.refuse_seconds)
            metrics.ERRORS.labels("spool").inc()
            # Last resort: the events in the log, whole, so that an operator can recover them.
            log.critical("tracking: the spool %s refused %d event(s); the events: %s",
                         self.path, len(events), events, exc_info=True)
            return
        metrics.SENT.labels(self.name).inc(len(events))
        for event in events:
            metrics.SPOOLED.labels(event["kind"]).inc()
        log.warning("tracking: spooled %d event(s) to %s (first id %s)", len(events), self.path, events[0]["id"])

    def flush(self, timeout=None):
        return True  # append() returns once the events are on disk

    def close(self, timeout=EXIT_TIMEOUT):
        return True

    def recovered(self):
        """The database took a batch: replay the spool if it holds events (checked at most every interval)."""
        self.refused = None
        now = time.monotonic()
        if now < self.next_replay_check:
            return
        self.next_replay_check = now + self.replay_interval
        if spool.pending_bytes(self.path):
            self.replay()

    def replay(self, wait=False, on_progress=None):
        """Write spooled events to the database; returns how many were sent (0 if busy or refused)."""
        try:
            sent = spool.replay(self.path, self.write, self.batch_size, wait=wait, on_progress=on_progress)
        except spool.SpoolBusy:
            return 0
        except Exception as error:
            log.warning("tracking: spool replay stopped, the database still refuses (%s); %s kept",
                        _reason(error), self.path)
            return 0
        if sent:
            log.info("tracking: replayed %d spooled event(s) from %s", sent, self.path)
        return sent


class BatchingTransport:
    """A transport whose events wait a moment in the process (``Batcher``) before it passes them on."""

    batcher = None
    next = None

    def flush(self, timeout=None):
        """Pass on what was sent before the call (``timeout``: for a round under way; None: no limit)."""
        started = time.monotonic()
        done = self.batcher.drain(-1 if timeout is None else timeout)
        return self.next.flush(_left(timeout, started)) and done

    def close(self, timeout=EXIT_TIMEOUT):
        started = time.monotonic()
        done = self.batcher.close(timeout)
        return self.next.close(_left(timeout, started)) and done

    def recovered(self):
        pass  # only the spool has something to catch up on


class WriterTransport(BatchingTransport):
    """The process's one writer thread: what has gathered goes to the database in one transaction."""

    name = "database"

    def __init__(self, write, next_transport, linger, batch_size):
        self.write_batch = write  # persistence: raises when the database refuses
        self.next = next_transport
        self.batcher = Batcher("tracking-writer", self.write, linger, batch_size)

    def send(self, events):
        self.batcher.add(events)

    def write(self, events):
        """Write now, in this thread; what the database refuses goes to the next transport. True if written."""
        try:
            self.write_batch(events)
        except Exception as error:
            metrics.FELL_BACK.labels(self.name).inc(len(events))
            log.warning("tracking: the database refused %d event(s) (%s); passing them to the %s",
                        len(events), _reason(error), self.next.name)
            self.next.send(events)
            return False
        metrics.SENT.labels(self.name).inc(len(events))
        self.next.recovered()
        return True


class RedisTransport(BatchingTransport):
    """RPUSH onto the Redis list (``queue``) that RQ drain workers write in batches.

    Events wait ``TRACKING_PUSH_LINGER`` seconds in the process so that
    neighbours share one round trip (0: push inside ``send``). They are
    serialized in the caller's thread: the push thread then holds the GIL only
    to hand the payloads to the socket. After a failure Redis is skipped for
    ``TRACKING_REDIS_RETRY`` seconds, so an unreachable Redis costs one timeout.
    """

    name = "redis"

    def __init__(self, app, next_transport, linger, batch_size, retry, queue_name):
        self.app = app
        self.next = next_transport
        self.linger = linger
        self.retry = retry
        self.queue_name = queue_name
        self.retry_at = 0.0
        self.down = False
        self.batcher = Batcher("tracking-push", self._push, linger, min(batch_size, queue.MAX_BATCH))

    def send(self, events):
        if time.monotonic() < self.retry_at:
            self.next.send(events)
            return
        payloads = [queue.payload(event) for event in events]
        if self.linger > 0:
            self.batcher.add(payloads)
        else:
            self._push(payloads)

    def _push(self, payloads):
        try:
            queue.push_payloads(get_redis(self.app), payloads, self.queue_name)
        except Exception as error:
            self._failed(error)
            metrics.FELL_BACK.labels(self.name).inc(len(payloads))
            self.next.send([json.loads(payload) for payload in payloads])
            return
        metrics.SENT.labels(self.name).inc(len(payloads))
        if self.down:
            self.down = False
            log.info("tracking: Redis answers again; events go to the queue")

    def _failed(self, error):
        metrics.ERRORS.labels("redis").inc()
        self.retry_at = time.monotonic() + self.retry
        if not self.down:
            self.down = True
            log.warning("tracking: Redis did not answer (%s); events go to the %s for %ss",
                        _reason(error), self.next.name, self.retry)

def _left(timeout, started):
    return None if timeout is None else max(0.0, timeout - (time.monotonic() - started))


def build_chain(app, database):
    """The app's transports from its settings; returns (head, writer, spool)."""
    config = app.config
    size = config["TRACKING_BATCH_SIZE"]
    end = SpoolTransport(spool.spool_path(app), database.write, size, config["TRACKING_REPLAY_INTERVAL"],
                         config["TRACKING_SPOOL_MAX_BYTES"], config["TRACKING_REFUSE_SECONDS"])
    writer = WriterTransport(database.write, end, config["TRACKING_WRITE_LINGER"], size)
    head = writer
    if config.get("REDIS_URL"):
        head = RedisTransport(app, writer, config["TRACKING_PUSH_LINGER"], size, config["TRACKING_REDIS_RETRY"],
                              config["TRACKING_QUEUE"])
    return head, writer, end
