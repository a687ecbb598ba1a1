"""glibc's allocator told to give memory back: a web process's RSS follows what it holds.

By default glibc gives each thread that allocates under contention an arena of
its own (up to 8 per core), and raises its mmap threshold to the size of the
largest block freed (up to 32 MiB), so that after one large card every later
image buffer comes from an arena that keeps its pages when the image is freed.
A few threads drawing cards of a few megapixels then leave the process holding
their high-water mark in every arena. Here the arenas are capped and the mmap
threshold fixed, so large buffers are mapped and unmapped each time.

``mallopt`` changes the running allocator: called in gunicorn's master before it
forks, every worker inherits it, however the server was started (the same as
``MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144`` in the environment before
the server starts, which glibc reads only then). Elsewhere than glibc it does
nothing.
"""

import ctypes
import ctypes.util
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENA_MAX = 2
MMAP_THRESHOLD = 256 * 1024  # a card's lines and any bitmap past this are mapped, not pooled
TRIM_THRESHOLD = 4 * 1024 * 1024  # free memory at the top of the heap past this goes back


def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


def limit_allocator(environ=os.environ) -> bool:
    """Cap glibc's arenas and fix its mmap and trim thresholds (the environment's MALLOC_* values win,
    even when a settings file put them there after the process started); True if applied."""
    libc = _libc()
    if libc is None:
        return False
    for option, value, variable in ((M_ARENA_MAX, ARENA_MAX, "MALLOC_ARENA_MAX"),
                                    (M_MMAP_THRESHOLD, MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_"),
                                    (M_TRIM_THRESHOLD, TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_")):
        given = environ.get(variable, "")
        libc.mallopt(option, int(given) if given.isdigit() else value)
    return True


_trim = getattr(_libc(), "malloc_trim", None)


def release_free_memory() -> None:
    """Give the pages of free memory in every arena back to the system (glibc's ``malloc_trim``)."""
    if _trim is not None:
        _trim(0)
