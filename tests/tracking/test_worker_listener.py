"""A worker's exit does not wait out its command listener's read."""

import threading
import time

import redis

from app.ai.worker import GenerationSimpleWorker
from app.tracking.queue import rq_queue
from app.tracking.worker import TrackingSimpleWorker


def _listener_reads_the_reply_first(worker):
    """Make the race certain: the listener handles the unsubscribe reply before RQ stops it."""
    pubsub = worker.pubsub
    send = pubsub.unsubscribe

    def unsubscribe(*channels):
        send(*channels)
        deadline = time.monotonic() + 5
        while pubsub.channels and time.monotonic() < deadline:  # the listener thread clears them
            time.sleep(0.01)

    pubsub.unsubscribe = unsubscribe


def test_a_stopping_worker_does_not_wait_a_minute_for_its_command_listener(redis_url):
    client = redis.Redis.from_url(redis_url)
    for worker_class in (TrackingSimpleWorker, GenerationSimpleWorker):
        worker = worker_class([rq_queue(client, "listener-test")], connection=client)
        worker.subscribe()
        _listener_reads_the_reply_first(worker)
        stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
        stopping.start()
        stopping.join(timeout=15)  # RQ's listener would read on for 60 s
        assert not stopping.is_alive(), f"{worker_class.__name__} waited for its command listener"
        assert not worker.pubsub_thread.is_alive()
