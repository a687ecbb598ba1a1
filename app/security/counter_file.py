"""Quota counters without Redis: one JSON file, read and rewritten under an exclusive ``flock``.

Every process on the machine (gunicorn workers, RQ workers, the CLI) opens
the same file, so they count together, and the counts survive a restart.
The data is replaced atomically (temporary file + rename) and the lock lives
on a separate ``.lock`` file, so a crash mid-write never leaves half a file
and a rename never moves the lock away from a waiting process. Keys carry
their day (``…:20260101:gen``); a write drops the days that are over.
"""

import fcntl
import json
import os
import tempfile
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


def _is_expired(key, oldest_day):
    parts = key.split(":")
    return len(parts) >= 2 and parts[-2].isdigit() and parts[-2] < oldest_day


class FileCounters:
    """Integer counters shared by every process that opens ``path``."""

    def __init__(self, path):
        self.path = path
        self._thread_lock = threading.Lock()  # flock is per open file; threads of one process queue here

    @contextmanager
    def _locked(self):
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        with self._thread_lock, open(self.path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                values = self._read()
                yield values
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as fh:
                return json.load(fh)
        except (FileNotFoundError, ValueError):
            return {}

    def _write(self, values):
        oldest = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%d")
        kept = {key: value for key, value in values.items() if not _is_expired(key, oldest)}
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(self.path) or ".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(kept, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, self.path)

    def reserve(self, keys, units, cost, unit_limit, cost_limit):
        """Check both limits and add ``units`` and ``cost`` in one step: (ok, used, spent)."""
        with self._locked() as values:
            used, spent = values.get(keys[0], 0), values.get(keys[1], 0)
            if unit_limit >= 0 and used + units > unit_limit:
                return 0, used, spent
            if cost_limit >= 0 and spent + cost > cost_limit:
                return -1, used, spent
            values[keys[0]], values[keys[1]] = used + units, spent + cost
            self._write(values)
            return 1, used + units, spent + cost

    def add(self, key, amount):
        with self._locked() as values:
            values[key] = values.get(key, 0) + amount
            self._write(values)

    def get(self, key):
        with self._locked() as values:
            return values.get(key, 0)
