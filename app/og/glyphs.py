"""Where a shaped glyph lands on the card: one function per kind, for both renderers."""

from app.og.fonts import colour_glyph, get_face
from app.og.layout import TextLine
from app.og.shaping import PlacedGlyph

SUBPIXEL = 4  # glyph origins snap to quarter pixels: one cached bitmap serves every quarter


def snap(value: float) -> float:
    return round(value * SUBPIXEL) / SUBPIXEL


def glyph_origin(line: TextLine, glyph: PlacedGlyph, size: int, upem: int) -> tuple[float, float, float]:
    """(x, y, scale) mapping the glyph's font units to card pixels (y flipped), origins on quarter pixels."""
    return (snap(line.x + glyph.x * size), snap(line.baseline + glyph.y * size), size / upem)


def colour_box(line: TextLine, glyph: PlacedGlyph, size: int) -> tuple[int, int, int, int] | None:
    """Whole-pixel (x, y, width, height) of a colour glyph's bitmap, or None for a blank one."""
    found = colour_glyph(glyph.face, glyph.gid)
    if found is None:
        return None
    _png, (x_bearing, y_top, width, height) = found
    x = round(line.x + (glyph.x + x_bearing) * size)
    y = round(line.baseline + (glyph.y - y_top) * size)
    return x, y, max(1, round(width * size)), max(1, round(height * size))


def ink_box(line: TextLine, size: int) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) in card pixels of the ink of every glyph on the line, or None if blank."""
    boxes = []
    for glyph in line.glyphs.glyphs:
        face = get_face(glyph.face)
        extents = face.font.get_glyph_extents(glyph.gid)
        if extents is None or not extents.width:
            continue
        x, y, scale = glyph_origin(line, glyph, size, face.upem)
        boxes.append((x + extents.x_bearing * scale, y - extents.y_bearing * scale,
                      x + (extents.x_bearing + extents.width) * scale,
                      y - (extents.y_bearing + extents.height) * scale))
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))
