"""``flask tracking worker``: RQ's own worker class, inside the app context.

``SimpleWorker`` by default: drain jobs are long batch loops, so a fork per
job buys nothing, and one process keeps one connection pool. ``--fork`` runs
RQ's forking ``Worker`` instead (each job in a fresh work horse); its parent
then never touches the database (the engine is disposed before the first fork).
Between jobs the worker does the pipeline's upkeep (``upkeep``).
"""

import logging
import time

import redis
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from app.extensions import db, held

from . import queue, spool

log = logging.getLogger(__name__)
RESTART_SECONDS = 2  # pause before a worker whose Redis went away starts again


def upkeep(app, client, replay=True):
    """Re-queue batches of dead workers, keep a drain job waiting while events do, replay the spool."""
    try:
        queue.recover_claims(client)
        queue.ensure_drain(client, app.config["TRACKING_QUEUE"])
    except Exception:
        log.warning("tracking worker: upkeep could not reach Redis", exc_info=True)
    if replay and spool.pending_bytes(spool.spool_path(app)):
        held("tracking", app).spool.replay()


class ListenerStopMixin:
    """Stop RQ's command listener without waiting out its read.

    RQ unsubscribes the listener's channel and then stops its thread, counting on the
    unsubscribe reply to wake the thread's blocking read; since redis-py 8.2 ``stop()`` also
    waits for the thread. When the thread reads that reply before the stop, it starts
    another read of RQ's full sleep time (a minute), and the worker's exit (a burst's end,
    a SIGTERM) waits that long. Clearing the flag first lets the reply end the thread.
    """

    def unsubscribe(self):
        thread = self.pubsub_thread
        if thread is not None:
            try:
                thread.stop(timeout=0)  # clears the flag, waits for nothing
            except TypeError:  # redis-py before 8.2: stop() only clears the flag
                thread.stop()
        super().unsubscribe()


class PushAfterJobMixin:
    """Pass on the events a job recorded before its process moves on.

    The job's end is its rows' end, as a request's is: what the job held for
    its transaction is sent (the worker's one app context ends only with the
    worker). And RQ's work horse ends with ``os._exit`` right after the job,
    which skips atexit: events still waiting in the process would be lost.
    Runs inside the worker command's app context.
    """

    def perform_job(self, *args, **kwargs):
        try:
            return super().perform_job(*args, **kwargs)
        finally:
            try:
                tracker = held("tracking")
                tracker.release_held()
                tracker.chain.flush(None)
            except Exception:
                log.exception("tracking: pushing a job's events failed")


class RecordingWorker(PushAfterJobMixin, ListenerStopMixin, Worker):
    """RQ's forking worker for jobs that record tracking events (``flask ai worker``)."""


class RecordingSimpleWorker(PushAfterJobMixin, ListenerStopMixin, SimpleWorker):
    """RQ's SimpleWorker for jobs that record tracking events."""


class UpkeepMixin:
    app = None
    replays_spool = True

    def request_stop(self, signum, frame):
        # SIGTERM: a drain job ends after its current batch instead of draining on
        # (up to DRAIN_SECONDS); what is left stays queued for the other workers.
        queue.STOPPING.set()
        super().request_stop(signum, frame)

    @property
    def dequeue_timeout(self):
        # Wake up at least every maintenance interval, even with no job.
        return max(1, min(super().dequeue_timeout, self.maintenance_interval))

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        upkeep(self.app, self.connection, replay=self.replays_spool)


class TrackingSimpleWorker(UpkeepMixin, ListenerStopMixin, SimpleWorker):
    pass


class TrackingForkWorker(UpkeepMixin, ListenerStopMixin, Worker):
    replays_spool = False  # the work horses replay; the parent keeps off the database


def run_worker(app, burst=False, fork=False, name=None):
    """Run a worker on the tracking queue until stopped (or, with ``burst``, until it is empty)."""
    interval = max(1, int(app.config["TRACKING_REPLAY_INTERVAL"]))
    if burst:
        app.config["TRACKING_DRAIN_IDLE"] = 0  # quit as soon as the queue is empty
    client = redis.Redis.from_url(
        app.config["REDIS_URL"],
        socket_connect_timeout=5,
        socket_timeout=interval + 30,  # longer than a blocking dequeue
        socket_keepalive=True,
        health_check_interval=30,
    )
    attempt = 0
    while True:
        try:
            return _work(app, client, interval, burst, fork, name if not attempt else None)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            # Redis went away (a restart): RQ's own bookkeeping raises, even after the job.
            # Claimed batches are re-queued when their lease ends; start again when Redis is back.
            if burst or queue.STOPPING.is_set():
                raise
            attempt += 1
            log.warning("tracking worker: Redis unreachable (%s); starting again in %ss", error, RESTART_SECONDS)
            time.sleep(RESTART_SECONDS)


def _work(app, client, interval, burst, fork, name):
    upkeep(app, client, replay=not fork)
    queue.ensure_drain(client, app.config["TRACKING_QUEUE"], force=True)
    worker_class = TrackingForkWorker if fork else TrackingSimpleWorker
    worker = worker_class(
        [queue.rq_queue(client, app.config["TRACKING_QUEUE"])],
        connection=client,
        serializer=JSONSerializer,
        name=name,  # a restart takes a fresh name: the dead worker's registration may linger
        maintenance_interval=interval,
    )
    worker.app = app
    if fork:
        db.engine.dispose()
    return worker.work(burst=burst, logging_level=app.config["LOG_LEVEL"])
