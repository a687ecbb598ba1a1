"""Quota counters without Redis: one JSON file, read and rewritten under an exclusive ``flock``.

Every process on the machine (gunicorn workers, RQ workers, the CLI) opens
the same file, so they count together, and the counts survive a restart.
The data is replaced atomically (temporary file + rename) and the lock lives
on a separate ``.lock`` file, so a crash mid-write never leaves half a file
and a rename never moves the lock away from a waiting process. Keys carry
their day (``…:20260101:gen``; a budget's key carries the day its period
ends); a write drops the days that are over.
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

    def reserve_all(self, keys, units, cost, limits):
        """Check every (unit limit, cost limit) against its pair of ``keys``, then add ``units`` and ``cost``
        to all of them, in one step: (1, 0, 0, 0), or (0 or -1, 1-based index, used, spent) of the first refusal."""
        with self._locked() as values:
            pairs = list(zip(keys[0::2], keys[1::2], strict=True))
            for index, ((units_key, cost_key), (unit_limit, cost_limit)) in enumerate(zip(pairs, limits, strict=True), 1):
                used, spent = values.get(units_key, 0), values.get(cost_key, 0)
                if unit_limit >= 0 and used + units > unit_limit:
                    return 0, index, used, spent
                if cost_limit >= 0 and spent + cost > cost_limit:
                    return -1, index, used, spent
            for units_key, cost_key in pairs:
                values[units_key] = values.get(units_key, 0) + units
                values[cost_key] = values.get(cost_key, 0) + cost
            self._write(values)
            return 1, 0, 0, 0

    def add(self, key, amount):
        with self._locked() as values:
            values[key] = values.get(key, 0) + amount
            self._write(values)

    def get(self, key):
        with self._locked() as values:
            return values.get(key, 0)
