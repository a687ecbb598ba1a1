"""Events bound for Redis wait a moment in the process, then go in one RPUSH.

One round trip to Redis per event costs ~0.15 ms of the caller's CPU here
(redis-py), which caps one process at a few thousand events a second. So
``record()`` appends the event to a deque (microseconds) and a daemon thread,
woken by the first event, waits ``TRACKING_PUSH_LINGER`` seconds for more,
then pushes them all with one pipeline. If Redis fails there, the thread
writes the events itself (the database, else the spool). Each push costs this
process a fixed ~0.1–0.3 ms of CPU (a round trip, thread and GIL hand-offs), so
the linger sets the price per event: at ~250 events/s per process a 2 ms linger
batched nothing and cost 20% of OG throughput; 200 ms (the default) pushes ~50
events at a time.

The event is serialized by ``record()``, in the caller's thread: the thread
holds the GIL only to hand the payloads to the socket. Making 50 events on
the thread held the GIL ~1 ms at a time, every request thread of the process
waited, and the cached OG card's median latency rose 0.3–0.5 ms (measured).

The price: an event lives in process memory for about the linger time. A
normal exit pushes what is left (atexit: gunicorn workers stopped with SIGTERM
exit normally), waiting for a push the thread has under way; an RQ work horse
ends with ``os._exit``, which skips atexit, so RQ workers that run app code
push after each job (``worker.PushAfterJobMixin``). A SIGKILL in that window
loses the events. ``TRACKING_PUSH_LINGER=0`` pushes inside ``record()`` instead.
"""

import atexit
import collections
import json
import logging
import os
import threading
import time
import weakref

from app.redis_client import get_redis

from . import queue, store

log = logging.getLogger(__name__)
_buffers = weakref.WeakSet()
_pid = os.getpid()  # kept up to date across forks: os.getpid() is a system call per event


def _forked():
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def process_id():
    """This process's id, without a system call (threads started per process check it)."""
    return _pid


class RedisBuffer:
    def __init__(self, app, state):
        self.app = app
        self.state = state
        self.events = collections.deque()
        self.wakeup = threading.Event()
        self.push_lock = threading.Lock()
        self.start_lock = threading.Lock()
        self.pid = None
        _buffers.add(self)

    def add(self, event):
        if self.pid != _pid:  # first use in this process (gunicorn forks after import)
            self._start()
        self.events.append(queue.payload(event))
        # The thread clears the flag before it takes the deque, so an event appended
        # while it is set is taken by the coming push; set() alone costs a lock.
        if not self.wakeup.is_set():
            self.wakeup.set()

    def _start(self):
        with self.start_lock:
            if self.pid == _pid:
                return
            thread = threading.Thread(target=self._run, args=(weakref.ref(self),),
                                      name="imprint-tracking-push", daemon=True)
            thread.start()
            self.pid = _pid

    @staticmethod
    def _run(ref):
        while True:
            buffer = ref()
            if buffer is None:
                return
            wakeup, linger = buffer.wakeup, buffer.app.config["TRACKING_PUSH_LINGER"]
            del buffer  # hold no reference while idle, so a dropped app can be collected
            if not wakeup.wait(60):
                continue
            time.sleep(linger)
            wakeup.clear()
            buffer = ref()
            if buffer is None:
                return
            try:
                buffer.push_all()
            except Exception:
                log.exception("tracking: pushing buffered events failed")
            del buffer

    def push_all(self, timeout=-1):
        """Push everything buffered now; events Redis does not take are written in-process.

        Waits (up to ``timeout`` seconds; -1: no limit) for a push under way on
        the thread, so that on return nothing recorded before the call is still
        only in this process. Returns False if that wait timed out.
        """
        size = self.app.config["TRACKING_BATCH_SIZE"]
        if not self.push_lock.acquire(timeout=timeout):
            return False
        try:
            while self.events:
                batch = []
                try:
                    while len(batch) < size:
                        batch.append(self.events.popleft())
                except IndexError:
                    pass
                self._push(batch)
        finally:
            self.push_lock.release()
        return True

    def _push(self, payloads):
        try:
            queue.push_payloads(get_redis(self.app), payloads, self.app.config["TRACKING_QUEUE"])
        except Exception as error:
            self.state.redis_failed(error)
            with self.app.app_context():
                store.store_events(self.app, [json.loads(payload) for payload in payloads])
        else:
            self.state.redis_answered()


EXIT_TIMEOUT = 30  # seconds to wait at exit for a push under way (Redis and DB calls have their own timeouts)


@atexit.register
def _push_at_exit():
    # Also when the deque is empty: the thread may hold a batch it popped and is
    # pushing right now; exiting under it (daemon threads just stop) would lose it.
    for buffer in list(_buffers):
        if buffer.pid == _pid:
            try:
                if not buffer.push_all(timeout=EXIT_TIMEOUT):
                    log.error("tracking: a push was still under way at exit after %ss", EXIT_TIMEOUT)
            except Exception:
                log.exception("tracking: events left unpushed at exit")
