"""Caches of drawn glyphs bounded by the bytes they hold, not by how many entries they have.

A count bound lets a few huge entries (a glyph drawn far outside its em, a
large CJK size, a long paragraph) take as much memory as they like; here each
entry's size (its value's, by ``size_of``, and its key's) is measured as it is
stored and the least recently used entries leave until the total is under the
bound. Every cache registers itself, so ``/metrics`` can
report what each holds (``imprint_og_cache_bytes``). The drawing caches share
one budget (``OG_DRAWING_CACHE_BYTES``), each its fixed share of it.
"""

import sys
import threading
from collections import OrderedDict
from functools import wraps

from prometheus_client.core import GaugeMetricFamily

from app.config import SETTINGS
from app.tracking.metrics import STATE_COLLECTORS

CACHES: dict[str, "ByteCache"] = {}
DRAWING_CACHE_BYTES = SETTINGS["OG_DRAWING_CACHE_BYTES"][1]
_drawing_budget = [DRAWING_CACHE_BYTES]  # the last an app set: caches made later take their share of it
ENTRY_BYTES = 104  # the ordered dictionary's slot and node, and the (value, size) pair


def key_bytes(args: tuple) -> int:
    """What an entry's key holds: the tuple of arguments and its strings (counted even when shared)."""
    return ENTRY_BYTES + sys.getsizeof(args) + sum(sys.getsizeof(arg) for arg in args if isinstance(arg, str))


class ByteCache:
    """A thread-safe LRU of ``function``'s results, at most ``max_bytes`` by ``size_of`` (an entry larger is not kept).

    With a ``share`` (of the drawing budget) instead of ``max_bytes``, its bound follows ``size_drawing_caches``.
    """

    def __init__(self, name: str, max_bytes: int | None, size_of, share: float | None = None):
        self.name = name
        self.share = share
        self.max_bytes = max_bytes if share is None else int(share * _drawing_budget[0])
        self.size_of = size_of
        self.bytes = 0
        self._entries: OrderedDict = OrderedDict()  # key → (value, size)
        self._lock = threading.Lock()
        CACHES[name] = self

    def __call__(self, function):
        @wraps(function)
        def cached(*args):
            with self._lock:
                found = self._entries.get(args)
                if found is not None:
                    self._entries.move_to_end(args)
                    return found[0]
            value = function(*args)
            self._store(args, value)
            return value

        cached.cache = self
        return cached

    def _store(self, key, value) -> None:
        size = self.size_of(value) + key_bytes(key)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self.bytes += size
            self._evict()

    def _evict(self) -> None:
        """The least recently used entries leave until the cache is under its bound (the lock held)."""
        while self.bytes > self.max_bytes:
            _key, (_value, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped

    def resize(self, max_bytes: int) -> None:
        """A new bound; the least recently used entries leave until the cache is under it."""
        with self._lock:
            self.max_bytes = max_bytes
            self._evict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def size_drawing_caches(total: int) -> None:
    """Give every drawing cache, made or still to be made, its share of ``total`` bytes (the process's
    caches: whichever app set it last)."""
    _drawing_budget[0] = max(0, total)
    for cache in list(CACHES.values()):
        if getattr(cache, "share", None) is not None:
            cache.resize(int(cache.share * max(0, total)))


class CacheCollector:
    """This process's OG caches, read when ``/metrics`` is scraped: bytes held, the bound, entries."""

    def collect(self):
        held = GaugeMetricFamily("imprint_og_cache_bytes", "Bytes an OG cache holds in this process",
                                 labels=["cache"])
        bound = GaugeMetricFamily("imprint_og_cache_max_bytes", "The bound of an OG cache, in bytes",
                                  labels=["cache"])
        entries = GaugeMetricFamily("imprint_og_cache_entries", "Entries an OG cache holds in this process",
                                    labels=["cache"])
        for name, cache in sorted(CACHES.items()):
            held.add_metric([name], cache.bytes)
            bound.add_metric([name], cache.max_bytes)
            entries.add_metric([name], len(cache))
        yield from (held, bound, entries)


STATE_COLLECTORS.append(CacheCollector())
