"""What one process spends on cards: the drawing caches' budget and the pixels drawn at once.

A card's working set grows with its pixels (the canvas, its background, the
encoder's rows and output), so a process's memory is its caches plus the
cards it is drawing. The caches take their bound from OG_DRAWING_CACHE_BYTES;
the cards in flight from OG_RENDER_PIXELS: a card that would take the pixels
being drawn past it waits for others to finish (one card alone always goes,
whatever its size). After a card larger than the Open Graph size the allocator
gives the free pages of its arenas back (a fraction of a millisecond, usually),
so the next burst of cards starts from what the process holds, not from its
high-water mark.
"""

import threading
from contextlib import contextmanager

from app.allocator import release_free_memory
from app.config import SETTINGS
from app.og.byte_cache import size_drawing_caches


class PixelBudget:
    """At most ``limit`` pixels of cards drawn at once in this process; thread-safe."""

    def __init__(self, limit: int):
        self.limit = limit
        self.in_flight = 0
        self.waiting = 0
        self._changed = threading.Condition()

    @contextmanager
    def drawing(self, pixels: int):
        with self._changed:
            self.waiting += 1
            try:
                self._changed.wait_for(lambda: self.in_flight == 0 or self.in_flight + pixels <= self.limit)
            finally:
                self.waiting -= 1
            self.in_flight += pixels
        try:
            yield
        finally:
            with self._changed:
                self.in_flight -= pixels
                self._changed.notify_all()


RENDER_PIXELS = PixelBudget(SETTINGS["OG_RENDER_PIXELS"][1])  # until an app sets it
TRIM_PIXELS = 1200 * 630 + 1  # cards past the Open Graph size give their memory back


@contextmanager
def drawing_card(pixels: int):
    """Where a raster card's canvas and encoding live: within the pixel budget, a large one's pages given back after."""
    with RENDER_PIXELS.drawing(pixels):
        yield
    if pixels >= TRIM_PIXELS:
        release_free_memory()


def init_app(app) -> None:
    """Size this process's drawing caches and pixel budget from the app's settings."""
    size_drawing_caches(app.config["OG_DRAWING_CACHE_BYTES"])
    with RENDER_PIXELS._changed:
        RENDER_PIXELS.limit = app.config["OG_RENDER_PIXELS"]
        RENDER_PIXELS._changed.notify_all()
