"""A process's memory for cards: the drawing caches share one budget in bytes, text caches count what they
hold, cards drawn at once are bounded in pixels, the fonts are mapped once, glibc gives memory back."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.og import memory
from app.og.byte_cache import CACHES, DRAWING_CACHE_BYTES, ByteCache, size_drawing_caches

ROOT = Path(__file__).resolve().parents[2]
TEXT_CACHES = ("clusters", "itemized", "line_breaks", "shaped_runs", "paragraphs")


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


# Distinct paragraphs of many scripts, as a card's title and quote would bring them.
SHAPE_TEXTS = """
import gc, random, tracemalloc
from app.og.byte_cache import CACHES, size_drawing_caches
from app.og.linebreak import break_opportunities
from app.og.shaping import shape_paragraph
TEXT = ("clusters", "itemized", "line_breaks", "shaped_runs", "paragraphs")
ALPHABETS = [range(0x41, 0x5B), range(0x3B1, 0x3CA), range(0x621, 0x64B), range(0x905, 0x939),
             range(0xE01, 0xE2F), range(0x4E00, 0x9FA0), range(0x3041, 0x3097), range(0xAC00, 0xD7A4)]
rng = random.Random(7)
def paragraph(length):
    words = []
    while sum(map(len, words)) < length:
        alphabet = rng.choice(ALPHABETS)
        words.append("".join(chr(rng.choice(alphabet)) for _ in range(rng.randint(2, 8))))
    return " ".join(words)[:length]
def shape(count, length):
    for _ in range(count):
        text = paragraph(length)
        shaped = shape_paragraph(text, "dejavu-regular", None)
        shaped.line(0, len(text))
        break_opportunities(text, None)
size_drawing_caches(BUDGET)
shape(40, 40)  # every face opened, HarfBuzz's tables read
gc.collect()
tracemalloc.start()
before, counted = tracemalloc.get_traced_memory()[0], sum(CACHES[name].bytes for name in TEXT)
shape(COUNT, LENGTH)
gc.collect()
print(tracemalloc.get_traced_memory()[0] - before, sum(CACHES[name].bytes for name in TEXT) - counted)
"""


def shaped_texts(budget: int, count: int, length: int) -> tuple[int, int]:
    """(bytes Python objects grew by, bytes the text caches say they took) after shaping ``count`` new texts."""
    code = (SHAPE_TEXTS.replace("BUDGET", str(budget)).replace("COUNT", str(count))
            .replace("LENGTH", str(length)))
    grown, counted = map(int, run_python(code).split())
    return grown, counted


def test_the_text_caches_count_the_bytes_their_entries_hold():
    grown, counted = shaped_texts(1 << 30, 300, 120)  # a budget nothing leaves
    assert 0.8 * grown <= counted <= 2 * grown, (grown, counted)


@pytest.mark.slow
def test_the_text_caches_stay_within_their_share_of_the_budget():
    budget = 4 * 1024 * 1024
    shares = sum(CACHES[name].share for name in TEXT_CACHES)
    grown, counted = shaped_texts(budget, 1500, 200)
    assert counted <= shares * budget
    assert grown <= 1.25 * shares * budget + 256 * 1024, (grown, shares * budget)


def test_the_drawing_budget_is_shared_by_every_drawing_cache(make_app):
    budget = 8 * 1024 * 1024
    try:
        app = make_app(OG_DRAWING_CACHE_BYTES=budget)
        drawing = {name: cache for name, cache in CACHES.items() if getattr(cache, "share", None)}
        assert {"glyph_masks", "glyph_outlines", "gradient_ramps", "logos", *TEXT_CACHES} <= set(drawing)
        assert sum(cache.share for cache in drawing.values()) == pytest.approx(1)
        assert all(cache.max_bytes == int(cache.share * budget) for cache in drawing.values())
        client = app.test_client()
        assert client.get("/og/budget.png?title=%E6%97%A5%E6%9C%AC%20Budget").status_code == 200
        bounds = {line.split('"')[1]: float(line.split()[-1])
                  for line in client.get("/metrics").get_data(as_text=True).splitlines()
                  if line.startswith("imprint_og_cache_max_bytes{")}
        assert sum(bounds[name] for name in drawing) <= budget
        made_later = ByteCache("test_made_later", None, len, share=0.5)  # a module imported after create_app
        assert made_later.max_bytes == budget // 2
    finally:
        CACHES.pop("test_made_later", None)
        size_drawing_caches(DRAWING_CACHE_BYTES)


def test_a_smaller_budget_drops_what_a_cache_holds_past_it():
    cache = CACHES["glyph_masks"]
    try:
        from app.og.raster import _glyph_mask

        for gid in range(30, 90):
            _glyph_mask("dejavu-regular", gid, 64, 0.0, 0.0)
        assert cache.bytes > 50_000
        size_drawing_caches(int(50_000 / cache.share))
        assert 0 < cache.bytes <= 50_000
    finally:
        size_drawing_caches(DRAWING_CACHE_BYTES)


def wait_for(condition, what):
    for _ in range(2000):
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


def test_a_card_waits_while_others_hold_the_pixel_budget():
    budget = memory.PixelBudget(1_000_000)
    entered = threading.Event()

    def second():
        with budget.drawing(600_000):
            entered.set()

    with budget.drawing(600_000):
        thread = threading.Thread(target=second)
        thread.start()
        wait_for(lambda: budget.waiting == 1, "the second card waits")
        assert not entered.is_set() and budget.in_flight == 600_000
    thread.join(10)
    assert entered.is_set() and budget.in_flight == 0
    with budget.drawing(5_000_000):  # alone, a card larger than the budget still goes
        assert budget.in_flight == 5_000_000


def test_raster_cards_are_drawn_within_the_pixel_budget():
    from app.og.params import make_params
    from app.og.render import render

    done = threading.Event()

    def draw():
        render(make_params("budget", format="png"))
        done.set()

    with memory.RENDER_PIXELS.drawing(memory.RENDER_PIXELS.limit):
        thread = threading.Thread(target=draw)
        thread.start()
        wait_for(lambda: memory.RENDER_PIXELS.waiting == 1, "the card waits for the pixels")
        assert not done.is_set()
    thread.join(30)
    assert done.is_set()
    render(make_params("budget", format="svg"))  # an SVG has no canvas: it never waits


def test_the_cjk_collection_is_mapped_once_for_all_its_regional_faces():
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc")
    out = run_python("""
from app.og.fonts import get_face
for region in ("ja", "ko", "zh-hans", "zh-hant", "zh-hk"):
    get_face(f"cjk-regular-{region}").font.get_nominal_glyph(0x65E5)
print(sum("NotoSansCJK-Regular.ttc" in line for line in open("/proc/self/maps")))
""")
    assert int(out) == 1


ARENAS_AND_MMAP = """
import ctypes, sys, threading
from app.allocator import limit_allocator
applied = limit_allocator({})
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]
libc.mallinfo2.restype = Mallinfo2
# A freed large block raises glibc's own mmap threshold to its size: the next one comes from the heap.
libc.free(libc.malloc(8 << 20))
block = libc.malloc(4 << 20)
mapped = libc.mallinfo2().hblkhd >= 4 << 20
libc.free(block)
# Threads allocating at once each get an arena, up to the cap.
hold, go = threading.Barrier(9), threading.Event()
def allocate():
    blocks = [libc.malloc(1000) for _ in range(100)]
    hold.wait()
    go.wait()
    for b in blocks:
        libc.free(b)
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
hold.wait(60)  # every thread holds its blocks
libc.malloc_stats()  # one "Arena N:" per arena, on stderr
go.set()
for thread in threads:
    thread.join()
print(applied, mapped)
"""


def test_the_allocator_maps_large_blocks_and_caps_its_arenas():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc")
    done = subprocess.run([sys.executable, "-c", ARENAS_AND_MMAP], cwd=ROOT, check=True, capture_output=True,
                          text=True)
    applied, mapped = done.stdout.split()
    if applied != "True":
        pytest.skip("not glibc")
    arenas = done.stderr.count("Arena ")
    assert mapped == "True"  # the image buffer freed goes back to the system, not to an arena
    assert 1 <= arenas <= 2, done.stderr


def test_a_large_png_is_encoded_without_copies_of_its_pixels():
    import io
    import tracemalloc

    from PIL import Image

    from app.og.encode import encode_png

    image = Image.radial_gradient("L").resize((2048, 2048)).convert("RGB")  # 12 MB of raw pixels
    tracemalloc.start()
    try:
        body = encode_png(image)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024 + 2 * len(body), peak
    with Image.open(io.BytesIO(body)) as decoded:
        assert decoded.size == (2048, 2048) and decoded.tobytes() == image.tobytes()


def test_a_card_past_the_open_graph_size_gives_its_memory_back(monkeypatch):
    from app.og.params import make_params
    from app.og.render import render

    released = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: released.append(True))
    render(make_params("small", format="png"))  # 1200×630: the common card pays nothing
    assert released == []
    render(make_params("large", format="webp", width=2048, height=2048))
    assert released == [True]


def test_an_operators_malloc_setting_wins_over_the_default():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc")
    code = ARENAS_AND_MMAP.replace("limit_allocator({})", "limit_allocator({'MALLOC_ARENA_MAX': '1'})")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    if done.stdout.split()[0] != "True":
        pytest.skip("not glibc")
    assert done.stderr.count("Arena ") == 1, done.stderr
