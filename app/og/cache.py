"""An in-process LRU of rendered cards, bounded in bytes.

Cards are immutable (same params → same bytes), so nothing here ever needs
invalidating: a renderer upgrade changes the keys instead.
"""

import threading
from collections import OrderedDict

from app.extensions import held
from app.og.byte_cache import CACHES


def get_og_cache(app=None):
    """The app's card cache, OG_CACHE_BYTES in size, made on first use (reported in /metrics as ``cards``)."""
    return held("og_cache", app, _card_cache)


def _card_cache(app):
    cache = CACHES["cards"] = ByteLRU(app.config["OG_CACHE_BYTES"])
    return cache


class ByteLRU:
    """Least-recently-used bytes, at most `max_bytes` in all; thread-safe."""

    def __init__(self, max_bytes: int, max_item_fraction: float = 0.25):
        self.max_bytes = max(0, int(max_bytes))
        # One huge custom-size card must not flush every popular one.
        self.max_item = int(self.max_bytes * max_item_fraction)
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, body: bytes, content_type: str) -> None:
        if len(body) > self.max_item:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._items[key] = (body, content_type)
            self._size += len(body)
            while self._size > self.max_bytes:
                _key, (evicted, _type) = self._items.popitem(last=False)
                self._size -= len(evicted)

    @property
    def size(self) -> int:
        """Bytes held now."""
        return self._size

    bytes = size  # the name /metrics reads

    def __len__(self) -> int:
        return len(self._items)
