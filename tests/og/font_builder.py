"""Fonts made with fontTools for the tests and benches: small OFL fonts with chosen glyph boxes, and
a font with one table's bytes swapped (what the upload checks must refuse)."""

import io
import struct

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

OFL = "This Font Software is licensed under the SIL Open Font License, Version 1.1."
LETTERS = "AZaz09Hmburgefonsiv"


def _box(pen, x0, y0, x1, y1):
    pen.moveTo((x0, y0))
    pen.lineTo((x0, y1))
    pen.lineTo((x1, y1))
    pen.lineTo((x1, y0))
    pen.closePath()


def build_font(far_glyph=False, letters=LETTERS, box=(50, 0, 550, 700)):
    """A small OFL TrueType font, every glyph of ``letters`` a ``box`` (font units of a 1000 em);
    ``far_glyph`` draws 'Z' 30 em away from its origin."""
    names = [".notdef"] + [f"g{ord(ch)}" for ch in letters]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(ch): f"g{ord(ch)}" for ch in letters})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        if far_glyph and name == f"g{ord('Z')}":
            _box(pen, 50, 30_000, 550, 30_700)
        else:
            _box(pen, *box)
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
