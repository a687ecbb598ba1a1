"""A brand's own font: an OpenType/TrueType file under the SIL Open Font License, validated and bounded.

The file must parse with fontTools, map Latin letters, say in its name
table that it is licensed under the OFL (name IDs 13/14), allow embedding
(OS/2 fsType not "restricted"), and load in HarfBuzz. Every glyph's box must
stay within a few em of its origin, and the font must shape and draw a sample
line the way a card does (HarfBuzz shaping, both outline pens, an AGG mask):
a font that passes the table checks and then fails on a card is refused here,
since template versions cannot be changed afterwards. fontTools may log a line
per bad record of a damaged table; an upload logs a few of them and a count.
It becomes the base family of the template's cards; every other script keeps
its Noto family.
"""

import hashlib
import io
import logging
from contextlib import contextmanager
from struct import error as struct_error

import aggdraw
import uharfbuzz as hb
from fontTools.pens.boundsPen import ControlBoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont, TTLibError
from PIL import Image

from app.og.fonts import _AggPathPen
from app.og.params import ParamError

MAX_FONT_BYTES = 4 * 1024 * 1024
MAX_GLYPHS = 30000
OFL_MARKERS = ("open font license", "scripts.sil.org/ofl", "openfontlicense.org")
RESTRICTED_EMBEDDING = 0x0002
MAX_GLYPH_EMS = 4  # a glyph's box, advance and offsets, in em from its origin
SAMPLE = "Hamburgefontsiv HAMBURGEFONTSIV 0123456789 AZaz"
SAMPLE_SIZE = 64  # pixels: the sample line drawn as a card draws text
MAX_FONT_LOG_LINES = 5


def _bad(message: str) -> ParamError:
    return ParamError("font_file", message)


def upload_family(data: bytes) -> str:
    """The family name an uploaded font is registered under (stable for the same bytes)."""
    return "u" + hashlib.sha256(data).hexdigest()[:20]


def validate_font(data: bytes) -> str:
    """Check an uploaded font and return its family name; ParamError("font_file", …) otherwise."""
    if not data:
        raise _bad("is empty")
    if len(data) > MAX_FONT_BYTES:
        raise _bad(f"is {len(data)} bytes; at most {MAX_FONT_BYTES}")
    if data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise _bad("must be a TrueType or OpenType font file (.ttf or .otf)")
    try:
        with _bounded_log("fontTools"):
            font = TTFont(io.BytesIO(data), lazy=True)
            names = font["name"]
            licence = " ".join(filter(None, (names.getDebugName(13), names.getDebugName(14)))).lower()
            cmap = font.getBestCmap() or {}
            glyphs = font["maxp"].numGlyphs
            fs_type = font["OS/2"].fsType if "OS/2" in font else 0
    except (TTLibError, KeyError, AssertionError, ValueError, TypeError, IndexError, OSError, struct_error) as error:
        raise _bad(f"could not be read ({error.__class__.__name__})") from error
    if not any(marker in licence for marker in OFL_MARKERS):
        raise _bad("must be licensed under the SIL Open Font License (its name table does not say so)")
    if fs_type & RESTRICTED_EMBEDDING:
        raise _bad("forbids embedding (OS/2 fsType is restricted)")
    if glyphs > MAX_GLYPHS:
        raise _bad(f"has {glyphs} glyphs; at most {MAX_GLYPHS}")
    if not all(ord(ch) in cmap for ch in "AZaz09"):
        raise _bad("must have the Latin letters and digits")
    face = hb.Face(hb.Blob(data))
    if face.glyph_count == 0 or face.upem < 16:
        raise _bad("could not be loaded by the shaper")
    font = hb.Font(face)
    _check_glyph_boxes(font, face.glyph_count, face.upem)
    _draw_sample(font, face.upem)
    return upload_family(data)


def _check_glyph_boxes(font: hb.Font, count: int, upem: int) -> None:
    """Every glyph within ``MAX_GLYPH_EMS`` em of its origin, by its stated box and by its drawn outline
    (a font's metrics can place the box near the origin while the outline is drawn far away)."""
    limit = MAX_GLYPH_EMS * upem
    for gid in range(count):
        extents = font.get_glyph_extents(gid)
        pen = ControlBoundsPen(None)
        font.draw_glyph_with_pen(gid, pen)
        corners = [] if extents is None else [extents.x_bearing, extents.y_bearing, extents.width,
                                              extents.height, extents.x_bearing + extents.width,
                                              extents.y_bearing + extents.height]
        if max(map(abs, corners + list(pen.bounds or ())), default=0) > limit:
            raise _bad(f"glyph {gid} reaches past {MAX_GLYPH_EMS} em from its origin")


def _draw_sample(font: hb.Font, upem: int) -> None:
    """Shape and draw ``SAMPLE`` as a card does; refuse the font when any step fails or goes out of bounds."""
    limit = MAX_GLYPH_EMS * upem
    try:
        buffer = hb.Buffer()
        buffer.add_str(SAMPLE)
        buffer.guess_segment_properties()
        hb.shape(font, buffer)
        placed = list(zip(buffer.glyph_infos, buffer.glyph_positions, strict=True))
        if len(placed) < 2:
            raise _bad("could not shape its sample text")
        scale = SAMPLE_SIZE / upem
        mask = Image.new("L", (SAMPLE_SIZE * 2 * MAX_GLYPH_EMS, SAMPLE_SIZE * 2 * MAX_GLYPH_EMS), 0)
        for info, position in placed:
            if max(abs(position.x_advance), abs(position.x_offset), abs(position.y_offset)) > limit:
                raise _bad(f"glyph {info.codepoint} is placed past {MAX_GLYPH_EMS} em (its metrics are broken)")
            font.draw_glyph_with_pen(info.codepoint, SVGPathPen(None))
            pen = _AggPathPen()
            font.draw_glyph_with_pen(info.codepoint, pen)
            if pen.is_empty:
                continue
            draw = aggdraw.Draw(mask)
            origin = SAMPLE_SIZE * MAX_GLYPH_EMS
            draw.settransform((scale, 0, origin, 0, -scale, origin))
            draw.path(pen.path, None, aggdraw.Brush(255))
            draw.flush()
    except ParamError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the font breaks in the shaper or a pen is a refusal
        raise _bad(f"could not draw its sample text ({error.__class__.__name__})") from error
    if mask.getbbox() is None:
        raise _bad("draws nothing for its sample text")


class _FirstLines(logging.Handler):
    """Passes the first ``limit`` records on to the root logger's handlers and counts the rest."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1
        if self.seen <= self.limit:
            logging.getLogger().handle(record)


@contextmanager
def _bounded_log(name: str, limit: int = MAX_FONT_LOG_LINES):
    """Log the first ``limit`` records of logger ``name`` (and its children) while reading an upload, then a count."""
    logger = logging.getLogger(name)
    first = _FirstLines(limit)
    propagates = logger.propagate
    logger.addHandler(first)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(first)
        logger.propagate = propagates
        if first.seen > limit:
            logging.getLogger(__name__).warning("font upload: %d more messages from %s not logged",
                                                first.seen - limit, name)
