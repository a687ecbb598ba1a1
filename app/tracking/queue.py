"""The Redis queue: events on a list, RQ jobs that drain it in batches.

The Redis transport RPUSHes the events' JSON onto one list and, in the same round
trip, sets a "drain pending" flag with SET NX; only the caller that set it
enqueues an RQ job (JSON serializer, no pickles). So there is at most one
drain job waiting, whatever the rate of events.

A drain job keeps the flag while it runs (so pushes meanwhile enqueue
nothing) and claims batches: a Lua script moves up to N events from the list
to a claim list of their own, stamped with a lease in a sorted set. After the
batch is written the claim is deleted. A batch that was not full is followed
by a pause of ``TRACKING_DRAIN_POLL`` seconds, so that under a steady trickle one job writes
many events per transaction instead of one job per handful of events (each
RQ job costs the web process an enqueue and the worker its own bookkeeping);
once the list has stayed empty for ``TRACKING_DRAIN_IDLE`` seconds the job
clears the flag, looks once more, and ends. A worker killed mid-batch leaves its
claim behind; once the lease has expired any worker (and ``flask tracking
worker`` at start) puts those events back at the head of the list. Writes are
idempotent on the event id, so a batch written twice is one set of rows.

While a drain job keeps finding full batches it recruits one more job (the
same SET NX), so idle workers join in and throughput grows with workers.
"""

import json
import logging
import threading
import time
import uuid

from flask import current_app

from app.extensions import held
from app.redis_client import get_redis

from . import metrics

log = logging.getLogger(__name__)

# One hash tag, so that every key lives in the same slot of a Redis Cluster.
EVENTS_KEY = "imprint:{tracking}:events"
CLAIMS_KEY = "imprint:{tracking}:claims"
CLAIM_PREFIX = "imprint:{tracking}:claim:"
PENDING_KEY = "imprint:{tracking}:drain-pending"
PENDING_TTL = 60  # seconds: a flag whose job was lost stops blocking new jobs after this
DRAIN_JOB = "app.tracking.queue.drain_events"
JOB_TIMEOUT = 600
DRAIN_SECONDS = 120  # a drain job hands over to a fresh one after this long
MAX_BATCH = 5000  # Lua's unpack() takes a few thousand values at most
STOPPING = threading.Event()  # set by a worker's SIGTERM: drain jobs end after their batch
RECOVER_SECONDS = 5  # a running drain job re-queues dead workers' batches this often
DRAINING_TTL = 10  # the flag of a running job, refreshed each round: a killed job blocks no one for long

_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[2], unpack(items))
local now = redis.call('TIME')
redis.call('ZADD', KEYS[3], tonumber(now[1]) + tonumber(ARGV[2]), KEYS[2])
return items
"""

_RECOVER = """
local now = redis.call('TIME')
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', tonumber(now[1]))
local moved = 0
for _, claim in ipairs(expired) do
  local items = redis.call('LRANGE', claim, 0, -1)
  for i = #items, 1, -1 do redis.call('LPUSH', KEYS[1], items[i]) end
  moved = moved + #items
  redis.call('DEL', claim)
  redis.call('ZREM', KEYS[2], claim)
end
return moved
"""


def rq_queue(client, name):
    from rq import Queue
    from rq.serializers import JSONSerializer

    return Queue(name, connection=client, serializer=JSONSerializer)


def enqueue_drain(client, queue_name):
    """Enqueue one drain job (callers make sure one is not already waiting)."""
    rq_queue(client, queue_name).enqueue(
        DRAIN_JOB, job_timeout=JOB_TIMEOUT, result_ttl=0, failure_ttl=7 * 86400,
        description="tracking: write queued events",
    )


def payload(event):
    """An event as it sits on the list."""
    return json.dumps(event, separators=(",", ":"), default=str)


def push(client, events, queue_name):
    """Put events on the list and make sure a drain job will take them (one round trip)."""
    push_payloads(client, [payload(event) for event in events], queue_name)


def push_payloads(client, payloads, queue_name):
    """``push`` for events already serialized with ``payload``."""
    pipe = client.pipeline(transaction=False)
    pipe.rpush(EVENTS_KEY, *payloads)
    pipe.set(PENDING_KEY, 1, nx=True, ex=PENDING_TTL)
    _length, is_first = pipe.execute()
    if is_first:
        enqueue_drain(client, queue_name)


def ensure_drain(client, queue_name, force=False):
    """Enqueue a drain job if events wait and none is pending (``force``: even if one is)."""
    if not client.llen(EVENTS_KEY):
        return False
    if client.set(PENDING_KEY, 1, nx=True, ex=PENDING_TTL) or force:
        enqueue_drain(client, queue_name)
        return True
    return False


def recover_claims(client):
    """Put the events of expired claims (a worker died mid-batch) back on the list."""
    moved = client.eval(_RECOVER, 2, EVENTS_KEY, CLAIMS_KEY)
    if moved:
        log.warning("tracking: re-queued %d event(s) of batches whose worker did not finish", moved)
    return moved


def claim_batch(client, size, lease):
    """Move up to ``size`` events into a new claim; returns (claim key, raw events)."""
    claim = CLAIM_PREFIX + uuid.uuid4().hex
    return claim, client.eval(_CLAIM, 3, EVENTS_KEY, claim, CLAIMS_KEY, size, lease)


def release_claim(client, claim):
    pipe = client.pipeline(transaction=True)
    pipe.delete(claim)
    pipe.zrem(CLAIMS_KEY, claim)
    pipe.execute()


def decode(raw_events):
    """Parse claimed events; a malformed entry is logged and dropped (nothing else can read it)."""
    events = []
    for raw in raw_events:
        try:
            event = json.loads(raw)
            if not isinstance(event, dict) or not {"id", "kind", "fields"} <= event.keys():
                raise ValueError("not an event")
            events.append(event)
        except ValueError:
            metrics.REJECTED.labels("malformed").inc()
            log.error("tracking: dropped a malformed queued event: %r", raw[:200])
    return events


def drain(app, client, max_seconds=DRAIN_SECONDS):
    """Write queued events in batches until the list is empty; returns (events taken, none spooled).

    The app's writer transport writes each batch in this thread; what the
    database refuses is spooled, and a write that succeeds replays the spool.
    """
    config = app.config
    write = held("tracking", app).write
    size = max(1, min(config["TRACKING_BATCH_SIZE"], MAX_BATCH))
    lease = config["TRACKING_CLAIM_TIMEOUT"]
    idle = max(0.0, config["TRACKING_DRAIN_IDLE"])
    poll = max(0.0, config["TRACKING_DRAIN_POLL"])  # events gather meanwhile: fewer, fuller batches
    deadline, idle_since, recover_at = time.monotonic() + max_seconds, None, 0.0
    taken, all_written = 0, True
    while True:
        client.set(PENDING_KEY, 1, ex=DRAINING_TTL)  # this job takes what is pushed meanwhile
        now = time.monotonic()
        if now >= recover_at:  # a job can run for minutes: re-queue dead workers' batches meanwhile
            recover_at = now + RECOVER_SECONDS
            recover_claims(client)
        claim, raw_events = claim_batch(client, size, lease)
        now = time.monotonic()
        if not raw_events:
            idle_since = idle_since or now
            if now - idle_since >= idle or now > deadline or STOPPING.is_set():
                # Clear the flag, then look again: an event pushed just before the
                # delete saw the flag set and enqueued nothing.
                client.delete(PENDING_KEY)
                if client.llen(EVENTS_KEY):
                    ensure_drain(client, config["TRACKING_QUEUE"])
                break
            time.sleep(poll)
            continue
        idle_since = None
        if len(raw_events) == size and not rq_queue(client, config["TRACKING_QUEUE"]).count:
            enqueue_drain(client, config["TRACKING_QUEUE"])  # a backlog: recruit an idle worker
        events = decode(raw_events)
        if events:
            all_written &= write(events)
        release_claim(client, claim)
        taken += len(raw_events)
        if time.monotonic() > deadline:
            ensure_drain(client, config["TRACKING_QUEUE"], force=True)  # hand over to a fresh job
            break
        if STOPPING.is_set():
            client.delete(PENDING_KEY)
            ensure_drain(client, config["TRACKING_QUEUE"])  # the rest, for another worker
            break
        if len(raw_events) < size:
            time.sleep(poll)
    return taken, all_written


def drain_events():
    """RQ job: write the queued tracking events to the database, in batches."""
    from rq import get_current_job

    app = current_app._get_current_object()
    job = get_current_job()
    client = job.connection if job is not None else get_redis(app)
    return drain(app, client)[0]


def depth(app):
    """(events waiting on the list, batches claimed by workers)."""
    client = get_redis(app)
    if client is None:
        return 0, 0
    pipe = client.pipeline(transaction=False)
    pipe.llen(EVENTS_KEY)
    pipe.zcard(CLAIMS_KEY)
    queued, claimed = pipe.execute()
    return queued, claimed


def wait_drained(app, timeout):
    """Wait until nothing is queued or claimed; True if that happened within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        if depth(app) == (0, 0):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
