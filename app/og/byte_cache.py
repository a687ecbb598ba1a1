"""Caches of drawn glyphs bounded by the bytes they hold, not by how many entries they have.

A count bound lets a few huge entries (a glyph drawn far outside its em, a
large CJK size) take as much memory as they like; here each entry's size is
measured as it is stored and the least recently used entries leave until the
total is under the bound. Every cache registers itself, so ``/metrics`` can
report what each holds (``imprint_og_cache_bytes``).
"""

import threading
from collections import OrderedDict
from functools import wraps

from prometheus_client.core import GaugeMetricFamily

from app.tracking.metrics import STATE_COLLECTORS

CACHES: dict[str, "ByteCache"] = {}


class ByteCache:
    """A thread-safe LRU of ``function``'s results, at most ``max_bytes`` by ``size_of`` (an entry larger is not kept)."""

    def __init__(self, name: str, max_bytes: int, size_of):
        self.name = name
        self.max_bytes = max_bytes
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
        size = self.size_of(value)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


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
