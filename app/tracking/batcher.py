"""A queue with one thread per process that hands what has gathered on in batches.

``add`` costs the caller a deque append. The thread, woken by the first item,
lingers ``linger`` seconds so that neighbours join, then calls
``handle(batch)`` with up to ``batch_size`` items at a time until the queue is
empty (group commit). Both transports that keep events in the process for a
moment (Redis pushes, database writes) use it, so ``flush`` and a normal exit
behave the same for both.

The thread starts on first use in each process: gunicorn forks after import,
and a thread does not survive a fork (nor does a lock it held: the child gets new ones).
"""

import collections
import logging
import os
import threading
import time
import weakref

log = logging.getLogger(__name__)
_pid = os.getpid()  # kept up to date across forks: os.getpid() is a system call per event
_batchers = weakref.WeakSet()


def _forked():
    global _pid
    _pid = os.getpid()
    for batcher in list(_batchers):
        batcher.busy, batcher.start_lock = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_forked)


class Batcher:
    def __init__(self, name, handle, linger, batch_size):
        self.name = name
        self.handle = handle
        self.linger = linger
        self.batch_size = max(1, batch_size)
        self.items = collections.deque()
        self.wakeup = threading.Event()
        self.busy = threading.Lock()  # held while a batch is taken and handled
        self.start_lock = threading.Lock()
        self.pid = None
        self.closed = False
        _batchers.add(self)

    def add(self, items):
        if self.closed:  # after close() (a late thread at exit): handed on in the caller's thread
            self.handle(list(items))
            return
        if self.pid != _pid:
            self._start()
        self.items.extend(items)
        # The thread clears the flag before it takes the queue, so items added while
        # it is set are taken by the coming round; set() alone costs a lock.
        if not self.wakeup.is_set():
            self.wakeup.set()

    def _start(self):
        with self.start_lock:
            if self.pid == _pid:
                return
            threading.Thread(target=self._run, args=(weakref.ref(self),), name=f"imprint-{self.name}",
                             daemon=True).start()
            self.pid = _pid

    @staticmethod
    def _run(ref):
        while True:
            batcher = ref()
            if batcher is None or batcher.closed:
                return
            wakeup, linger = batcher.wakeup, batcher.linger
            del batcher  # hold no reference while idle, so a dropped app can be collected
            if not wakeup.wait(60):
                continue
            time.sleep(linger)
            wakeup.clear()
            batcher = ref()
            if batcher is None:
                return
            batcher.drain()
            del batcher

    def drain(self, timeout=-1):
        """Hand on everything queued now, in batches; False if a round under way outlasted ``timeout``.

        Waits for a batch the thread is handling, so that on return nothing added
        before the call is still only in this queue.
        """
        if not self.busy.acquire(timeout=timeout):
            return False
        try:
            while self.items:
                batch = []
                try:
                    while len(batch) < self.batch_size:
                        batch.append(self.items.popleft())
                except IndexError:
                    pass
                try:
                    self.handle(batch)
                except Exception:  # handle() passes failures on itself: a bug; the batch is in the log, whole
                    log.critical("tracking %s: a batch failed; its items: %r", self.name, batch, exc_info=True)
        finally:
            self.busy.release()
        return True

    def close(self, timeout=-1):
        """Hand on what is left and stop the thread."""
        self.closed = True
        done = self.drain(timeout)
        self.wakeup.set()
        return done
