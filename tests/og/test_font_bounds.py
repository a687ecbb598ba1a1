"""Uploaded fonts that pass the table checks and would then break or bloat cards are refused at upload;
the glyph caches are bounded in bytes and reported in /metrics. The fonts are built here with fontTools."""

import io
import logging
import struct

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from app.og.byte_cache import ByteCache
from app.og.fonts import FONT_DIR
from tests.og.support import b64, create

OFL = "This Font Software is licensed under the SIL Open Font License, Version 1.1."
LETTERS = "AZaz09Hmburgefonsiv"


def _box(pen, x0, y0, x1, y1):
    pen.moveTo((x0, y0))
    pen.lineTo((x0, y1))
    pen.lineTo((x1, y1))
    pen.lineTo((x1, y0))
    pen.closePath()


def build_font(far_glyph=False):
    """A small OFL TrueType font; ``far_glyph`` draws 'Z' 30 em away from its origin."""
    names = [".notdef"] + [f"g{ord(ch)}" for ch in LETTERS]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(ch): f"g{ord(ch)}" for ch in LETTERS})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        if far_glyph and name == f"g{ord('Z')}":
            _box(pen, 50, 30_000, 550, 30_700)
        else:
            _box(pen, 50, 0, 550, 700)
        glyphs[name] = pen.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (600, 50) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Bounds Test", "styleName": "Regular", "licenseDescription": OFL})
    builder.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def replace_table(data, tag, table_bytes):
    """The font with one table's bytes swapped for ``table_bytes`` (offsets fixed, checksums left wrong)."""
    font = TTFont(io.BytesIO(data))
    font.reader.file.seek(0)
    raw = {t: font.reader[t] for t in font.reader.keys()}
    raw[tag] = table_bytes
    tags = sorted(raw)
    header = struct.pack(">IHHHH", 0x00010000, len(tags), 0, 0, 0)
    offset = 12 + 16 * len(tags)
    directory, body = b"", b""
    for t in tags:
        chunk = raw[t] + b"\0" * (-len(raw[t]) % 4)
        directory += struct.pack(">4sIII", t.encode(), 0, offset + len(body), len(raw[t]))
        body += chunk
    return header + directory + body


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

    @ByteCache("test_blobs", 1000, len)
    def blob(key, size):
        calls.append(key)
        return b"x" * size

    for key in range(10):
        blob(key, 300)
    assert blob.cache.bytes <= 1000 and len(blob.cache) == 3
    blob(9, 300)
    assert calls.count(9) == 1  # still cached
    blob(0, 300)
    assert calls.count(0) == 2  # dropped, made again
    blob("huge", 5000)
    assert blob.cache.bytes <= 1000  # larger than the bound: returned, never kept


def test_metrics_report_each_og_cache_in_bytes(client):
    assert client.get("/og/cjk.png?title=%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E3%82%AB%E3%83%BC%E3%83%89").status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    held = {line.split('"')[1]: float(line.split()[-1]) for line in text.splitlines()
            if line.startswith("imprint_og_cache_bytes{")}
    assert {"glyph_masks", "glyph_paths", "glyph_outlines"} <= set(held)
    assert held["glyph_masks"] > 0
    bounds = {line.split('"')[1]: float(line.split()[-1]) for line in text.splitlines()
              if line.startswith("imprint_og_cache_max_bytes{")}
    assert all(held[name] <= bounds[name] for name in held)
