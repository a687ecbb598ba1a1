"""The shipped fonts: Pillow faces, cached glyph metrics and SVG glyph outlines.

Pillow draws the PNG text with FreeType's hinted advances, so the layout and
the SVG take their glyph positions from the same Pillow font: both outputs
then place every glyph at the same x. Outlines for the SVG come from fontTools.
"""

from functools import lru_cache
from importlib.resources import files

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = files(__package__) / "fonts"
FACES = {"bold": "DejaVuSans-Bold.ttf", "regular": "DejaVuSans.ttf"}


def font_path(face: str) -> str:
    """Filesystem path of a shipped font file."""
    return str(FONT_DIR / FACES[face])


@lru_cache(maxsize=512)
def pil_font(face: str, size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font; BASIC layout so output never depends on libraqm being present."""
    return ImageFont.truetype(font_path(face), size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=65536)
def advance(face: str, size: int, ch: str) -> float:
    """Hinted advance width of one character, in pixels."""
    return pil_font(face, size).getlength(ch)


@lru_cache(maxsize=262144)
def kerning(face: str, size: int, left: str, right: str) -> float:
    """Kerning between two characters as Pillow applies it, in pixels."""
    font = pil_font(face, size)
    return font.getlength(left + right) - advance(face, size, left) - advance(face, size, right)


def pen_positions(face: str, size: int, text: str) -> list[float]:
    """x offset of each character's origin when Pillow draws `text` from x=0."""
    positions, x, prev = [], 0.0, ""
    for ch in text:
        if prev:
            x += kerning(face, size, prev, ch)
        positions.append(x)
        x += advance(face, size, ch)
        prev = ch
    return positions


def text_width(face: str, size: int, text: str) -> float:
    """Advance width of `text` (equals Pillow's getlength)."""
    if not text:
        return 0.0
    return pen_positions(face, size, text)[-1] + advance(face, size, text[-1])


@lru_cache(maxsize=4096)
def glyph_mask(face: str, size: int, ch: str) -> tuple[Image.Image | None, int, int]:
    """Coverage bitmap of one glyph and its offset from the pen position on the baseline."""
    font = pil_font(face, size)
    x0, y0, x1, y1 = font.getbbox(ch, anchor="ls")
    if x1 <= x0 or y1 <= y0:
        return None, 0, 0
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).text((-x0, -y0), ch, font=font, fill=255, anchor="ls")
    return mask, x0, y0


@lru_cache(maxsize=512)
def line_metrics(face: str, size: int) -> tuple[int, int]:
    """(ascent, descent) in pixels, both positive."""
    return pil_font(face, size).getmetrics()


@lru_cache(maxsize=4)
def tt_font(face: str) -> TTFont:
    """The fontTools view of a face (for outlines)."""
    return TTFont(font_path(face), lazy=True)


@lru_cache(maxsize=4)
def units_per_em(face: str) -> int:
    return tt_font(face)["head"].unitsPerEm


@lru_cache(maxsize=4)
def _cmap(face: str) -> dict[int, str]:
    return tt_font(face).getBestCmap()


def glyph_name(face: str, ch: str) -> str:
    """Glyph drawn for `ch`; '.notdef' (a box) when the font lacks it, as in Pillow."""
    return _cmap(face).get(ord(ch), ".notdef")


@lru_cache(maxsize=8192)
def glyph_path(face: str, name: str) -> str:
    """SVG path data of one glyph in font units, y up (flip when placing)."""
    glyphs = tt_font(face).getGlyphSet()
    pen = SVGPathPen(glyphs, ntos=lambda v: f"{v:g}")
    glyphs[name].draw(pen)
    return pen.getCommands()
