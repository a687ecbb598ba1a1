"""The spool: events the database refused, as JSON lines in ``instance/``, fsync'd.

Appends take an exclusive ``flock`` on the file, so threads and processes
sharing ``instance/`` never interleave lines. A replay first renames the file
(under the same lock) to ``*.replaying``, so new appends start a fresh file,
then sends the renamed file's events on and deletes it only when every batch
went through. A crash mid-append leaves a torn last line: the next append
starts on a new line, and readers skip the torn one with a warning.
"""

import errno
import fcntl
import glob
import json
import logging
import os
import time

from . import metrics

log = logging.getLogger(__name__)

SPOOL_NAME = "tracking-spool.jsonl"
REJECTED_NAME = "tracking-rejected.jsonl"
REPLAYING_SUFFIX = ".replaying"


def spool_path(app):
    return app.config.get("TRACKING_SPOOL_PATH") or os.path.join(app.instance_path, SPOOL_NAME)


def rejected_path(app):
    return os.path.join(os.path.dirname(spool_path(app)), REJECTED_NAME)


class SpoolFull(OSError):
    """The spool holds its cap of bytes already (``TRACKING_SPOOL_MAX_BYTES``)."""


def append(path, events, max_bytes=None):
    """Append events as JSON lines and fsync; raises OSError if the disk refuses too (SpoolFull at the cap)."""
    data = "".join(json.dumps(event, separators=(",", ":"), default=str) + "\n" for event in events).encode()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = _open_locked(path)
    try:
        size = os.fstat(fd).st_size
        if max_bytes and pending_bytes(path) + len(data) > max_bytes:
            raise SpoolFull(errno.ENOSPC, f"the spool holds its cap of {max_bytes} bytes", path)
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # a torn line before us stays alone on its line
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        if size == 0:
            _fsync_dir(os.path.dirname(path) or ".")
    finally:
        os.close(fd)  # releases the lock


def _open_locked(path):
    """Open ``path`` for appending with the lock held, reopening if a replay renamed it meanwhile."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _fsync_dir(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pending_files(path):
    """The spool files holding events: interrupted replays first, then the live one."""
    files = sorted(glob.glob(glob.escape(path) + ".*" + REPLAYING_SUFFIX))
    return [*files, path] if os.path.exists(path) else files


def pending_bytes(path):
    """Bytes waiting in the spool and in interrupted replays."""
    total = 0
    for name in pending_files(path):
        try:
            total += os.stat(name).st_size
        except FileNotFoundError:
            pass
    return total


def pending_events(path, chunk=1 << 20):
    """Events (lines) waiting in the spool and in interrupted replays; reads the files in chunks."""
    total = 0
    for name in pending_files(path):
        try:
            with open(name, "rb") as fh:
                while block := fh.read(chunk):
                    total += block.count(b"\n")
        except FileNotFoundError:
            pass
    return total


def _rotate(path):
    """Rename the live spool (if any) so that new appends go to a new file; list files to replay."""
    if os.path.exists(path):
        fd = _open_locked(path)
        try:
            if os.fstat(fd).st_size:
                stamp = time.strftime("%Y%m%dT%H%M%S")
                os.rename(path, f"{path}.{stamp}-{os.getpid()}-{time.monotonic_ns()}{REPLAYING_SUFFIX}")
        finally:
            os.close(fd)
    return sorted(glob.glob(glob.escape(path) + ".*" + REPLAYING_SUFFIX))


def read_events(filename):
    """Yield the events of a spool file; torn or foreign lines are skipped with a warning."""
    with open(filename, "rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
                if not isinstance(event, dict) or not {"id", "kind", "fields"} <= event.keys():
                    raise ValueError("not an event")
            except ValueError:
                metrics.TORN_LINES.inc()
                log.warning("tracking spool: skipped unreadable line %s:%d (%d bytes): %r",
                            filename, number, len(line), line[:80])
                continue
            yield event


class SpoolBusy(Exception):
    """Another replay holds the spool."""


def replay(path, send, batch_size=1000, wait=False, on_progress=None):
    """Send spooled events on with ``send(batch)``; returns the number sent (``on_progress(n)`` after each batch).

    ``send`` raises when it cannot take a batch: the replay stops there and the
    file stays for the next replay (re-sent events are dropped as duplicates).
    """
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    lock_fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as error:
            raise SpoolBusy(path) from error
        sent = 0
        for filename in _rotate(path):
            batch = []
            for event in read_events(filename):
                batch.append(event)
                if len(batch) >= batch_size:
                    sent += _send(send, batch, on_progress)
                    batch = []
            if batch:
                sent += _send(send, batch, on_progress)
            os.unlink(filename)
        return sent
    finally:
        os.close(lock_fd)


def _send(send, batch, on_progress=None):
    send(batch)
    metrics.REPLAYED.inc(len(batch))
    if on_progress:
        on_progress(len(batch))
    return len(batch)
