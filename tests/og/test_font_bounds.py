"""Uploaded fonts that pass the table checks and would then break or bloat cards are refused at upload;
the glyph caches are bounded in bytes and reported in /metrics. The fonts are built here with fontTools."""

import io
import logging
import struct

from fontTools.ttLib import TTFont

from app.og.byte_cache import ByteCache
from app.og.fonts import FONT_DIR
from tests.og.font_builder import build_font, replace_table
from tests.og.support import b64, create


def test_a_font_with_a_glyph_far_outside_its_em_is_refused(client, admin_key):
    response = create(client, admin_key[1], font_file=b64(build_font(far_glyph=True)))
    assert response.status_code == 400, response.get_json()
    assert "font_file" in response.get_json()["message"] and "4 em" in response.get_json()["message"]


def test_a_sound_built_font_is_accepted_and_draws_cards(client, admin_key):
    made = create(client, admin_key[1], font_file=b64(build_font()), layout="plain")
    assert made.status_code == 201, made.get_json()
    card = client.get("/og/t/acme/v1/s.png?title=Hamburg%20AZaz09")
    assert card.status_code == 200


def test_garbage_metrics_are_refused_or_drawn_never_a_500(client, admin_key):
    data = (FONT_DIR / "NotoSerif-Regular.ttf").read_bytes()
    hmtx_length = len(TTFont(io.BytesIO(data)).reader["hmtx"])
    broken = replace_table(data, "hmtx", bytes((i * 37 + 11) % 256 for i in range(hmtx_length)))
    response = create(client, admin_key[1], font_file=b64(broken), layout="plain")
    assert response.status_code in (201, 400), response.get_json()
    if response.status_code == 400:
        assert "font_file" in response.get_json()["message"]
    else:  # the sample drew: so do cards with many glyphs
        assert client.get("/og/t/acme/v1/s.png?title=Many%20glyphs%20on%20one%20card").status_code == 200


def test_a_garbage_name_table_logs_a_few_lines_not_one_per_record(client, admin_key, caplog):
    records = 65535
    # a table that claims 65,535 records and holds none: fontTools logs one line per missing record
    name_table = struct.pack(">HHH", 0, records, 6 + 12 * 4) + b"\xff" * 12
    broken = replace_table(build_font(), "name", name_table)
    with caplog.at_level(logging.DEBUG):
        response = create(client, admin_key[1], font_file=b64(broken))
    assert response.status_code == 400
    font_lines = [r for r in caplog.records if r.name.startswith(("fontTools", "app.og.font_uploads"))]
    assert len(font_lines) <= 6, len(font_lines)


def test_a_byte_cache_drops_the_least_recent_entries_past_its_bound():
    calls = []

    @ByteCache("test_blobs", 1500, len)  # each entry 300 bytes and its key
    def blob(key, size):
        calls.append(key)
        return b"x" * size

    for key in range(10):
        blob(key, 300)
    assert blob.cache.bytes <= 1500 and len(blob.cache) == 3
    blob(9, 300)
    assert calls.count(9) == 1  # still cached
    blob(0, 300)
    assert calls.count(0) == 2  # dropped, made again
    blob("huge", 5000)
    assert blob.cache.bytes <= 1500  # larger than the bound: returned, never kept


def test_metrics_report_each_og_cache_in_bytes(client):
    assert client.get("/og/cjk.png?title=%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E3%82%AB%E3%83%BC%E3%83%89").status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    held = {line.split('"')[1]: float(line.split()[-1]) for line in text.splitlines()
            if line.startswith("imprint_og_cache_bytes{")}
    assert {"glyph_masks", "glyph_paths", "glyph_outlines", "gradient_ramps", "shaped_runs", "cards"} <= set(held)
    assert held["cards"] > 0 and held["gradient_ramps"] > 0 and held["shaped_runs"] > 0
    assert held["glyph_masks"] > 0
    bounds = {line.split('"')[1]: float(line.split()[-1]) for line in text.splitlines()
              if line.startswith("imprint_og_cache_max_bytes{")}
    assert all(held[name] <= bounds[name] for name in held)



HELD_BY_A_CACHE = """
import gc
from app.og.fonts import glyph_outline, _outline
from app.og.raster import _glyph_mask
def anonymous():  # the process's own memory, not the font file's pages HarfBuzz maps
    with open("/proc/self/smaps_rollup") as rollup:
        return 1024 * next(int(line.split()[1]) for line in rollup if line.startswith("Anonymous:"))
cache = CACHE
glyphs = range(1000, 1000 + GLYPHS)
for gid in glyphs if WARM_ALL else glyphs[:1]:  # the face's tables and HarfBuzz's own accelerators
    glyph_outline("cjk-regular-ja", gid)
gc.collect()
before, counted = anonymous(), cache.cache.bytes
for gid in glyphs:
    CALL
print(anonymous() - before, cache.cache.bytes - counted)
"""


def _held_and_counted(cache, call, glyphs, warm_all):
    """(bytes the process grew by, bytes the cache says it took) for ``glyphs`` CJK glyphs, in a fresh process."""
    import subprocess
    import sys
    from pathlib import Path

    code = (HELD_BY_A_CACHE.replace("CACHE", cache).replace("CALL", call).replace("GLYPHS", str(glyphs))
            .replace("WARM_ALL", str(warm_all)))
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], check=True,
                         capture_output=True, text=True).stdout
    grown, counted = map(int, out.split())
    return grown, counted


def test_the_outline_cache_counts_the_bytes_its_paths_really_hold():
    grown, counted = _held_and_counted("_outline", "glyph_outline('cjk-regular-ja', gid)", 3000, False)
    assert 0.8 * grown <= counted <= 1.5 * grown, (grown, counted)


def test_the_mask_cache_counts_the_bytes_its_images_really_hold():
    grown, counted = _held_and_counted("_glyph_mask", "_glyph_mask('cjk-regular-ja', gid, 24, 0.25, 0.5)", 3000,
                                       True)
    assert 0.8 * grown <= counted <= 1.5 * grown, (grown, counted)
