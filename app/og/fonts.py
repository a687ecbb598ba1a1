"""The shipped fonts: which face covers which script, loaded lazily and shared.

Every face is opened once per process on first use (HarfBuzz maps the file,
so a face costs only the pages its glyphs touch) and then serves every
request. Text is shaped in font units (HarfBuzz without hinting), so one
shaping result scales to any size, and the PNG and the SVG draw the same
outlines from the same glyph ids at the same positions.
"""

import math
import sys
import threading
from dataclasses import dataclass
from importlib.resources import files

import aggdraw
import uharfbuzz as hb
from fontTools.pens.basePen import BasePen
from fontTools.pens.svgPathPen import SVGPathPen

from app.og.byte_cache import ByteCache

FONT_DIR = files(__package__) / "fonts"
WEIGHTS = ("regular", "bold")
# Shares of the drawing caches' budget (OG_DRAWING_CACHE_BYTES): a CJK card draws hundreds of distinct glyphs.
GLYPH_PATH_SHARE = 0.05  # SVG cards only
GLYPH_OUTLINE_SHARE = 0.13
COLOUR_GLYPH_SHARE = 0.04  # the emoji font's PNGs
# What an aggdraw path really holds: AGG's path storage allocates its block pointer tables (256
# entries) on the first vertex, then vertices 256 at a time (two doubles and a command byte each).
# Curves are flattened into line vertices as they are added (AGG's incremental curve: a step per
# 4 units of the control polygon's length, at least 4), in font units: a glyph's few dozen curves
# become hundreds of vertices. The pen counts them as AGG makes them.
AGG_CURVE_UNITS_PER_STEP = 4
AGG_CURVE_MIN_STEPS = 4
AGG_PATH_BYTES = 4096 + 96  # the pointer tables and the Python object
AGG_BLOCK_BYTES = 256 * 17 + 16
AGG_BLOCK_VERTICES = 256
RESULT_BYTES = 64  # the tuple a cached function returns, beyond what it holds
CJK_REGIONS = {"ja": 0, "ko": 1, "zh-hans": 2, "zh-hant": 3, "zh-hk": 4}  # faces of the CJK collection


@dataclass(frozen=True)
class FaceSpec:
    """One face: a file of the fonts folder and its index in a collection."""

    file: str
    index: int = 0
    is_colour: bool = False


def _pair(stem: str) -> dict[str, FaceSpec]:
    return {w: FaceSpec(f"{stem}-{w.capitalize()}.ttf") for w in WEIGHTS}


# Families in fallback order: a cluster no earlier family covers goes to the next.
FAMILIES: dict[str, dict[str, FaceSpec]] = {
    "dejavu": {"regular": FaceSpec("DejaVuSans.ttf"), "bold": FaceSpec("DejaVuSans-Bold.ttf")},
    "notosans": _pair("NotoSans"),
    "notoserif": _pair("NotoSerif"),
    "arabic": _pair("NotoSansArabic"),
    "hebrew": _pair("NotoSansHebrew"),
    "devanagari": _pair("NotoSansDevanagari"),
    "bengali": _pair("NotoSansBengali"),
    "gujarati": _pair("NotoSansGujarati"),
    "gurmukhi": _pair("NotoSansGurmukhi"),
    "tamil": _pair("NotoSansTamil"),
    "telugu": _pair("NotoSansTelugu"),
    "kannada": _pair("NotoSansKannada"),
    "malayalam": _pair("NotoSansMalayalam"),
    "thai": _pair("NotoSansThai"),
    "cjk": {w: FaceSpec(f"NotoSansCJK-{w.capitalize()}.ttc") for w in WEIGHTS},
    "emoji": {w: FaceSpec("NotoColorEmoji.ttf", is_colour=True) for w in WEIGHTS},
}
# The family a script's text asks for first (ISO 15924 codes, as fontTools.unicodedata gives).
SCRIPT_FAMILIES = {
    "Arab": "arabic", "Hebr": "hebrew", "Deva": "devanagari", "Beng": "bengali",
    "Gujr": "gujarati", "Guru": "gurmukhi", "Taml": "tamil", "Telu": "telugu",
    "Knda": "kannada", "Mlym": "malayalam", "Thai": "thai",
    "Hani": "cjk", "Hira": "cjk", "Kana": "cjk", "Hang": "cjk", "Bopo": "cjk",
}
# The families a card's Latin, Greek and Cyrillic text may be set in (a brand's choice); the
# others only serve their scripts.
BASE_FAMILIES = ("dejavu", "notosans", "notoserif")
DEFAULT_FAMILY = "dejavu"
REPLACEMENT = "\ufffd"  # drawn, from the base family, for a cluster no face has
_uploads: dict[str, bytes] = {}  # family → the bytes of an uploaded font (one face, both weights)


class Face:
    """A loaded face: HarfBuzz font at font-unit scale, its coverage and metrics."""

    def __init__(self, key: str, spec: FaceSpec | None, index: int, data: bytes | None = None):
        blob = hb.Blob(data) if data is not None else _file_blob(spec.file)
        self.key = key
        self.face = hb.Face(blob, index)
        self.font = hb.Font(self.face)  # scale = upem: positions in font units
        self.upem = self.face.upem
        self.is_colour = spec is not None and spec.is_colour
        extents = self.font.get_font_extents("ltr")
        self.ascender = extents.ascender / self.upem  # in em
        self.descender = -extents.descender / self.upem

    def covers(self, codepoints) -> bool:
        nominal = self.font.get_nominal_glyph
        return all(nominal(cp) for cp in codepoints)

    def shape(self, text: str, start: int, end: int, direction: str, script: str | None,
              language: str | None) -> tuple[tuple[int, int, int, int, int], ...]:
        """(gid, cluster, x_advance, x_offset, y_offset) per glyph, in font units, visual order."""
        buf = hb.Buffer()
        buf.add_str(text, start, end - start)  # the whole paragraph is context (Arabic joining)
        buf.direction = direction
        if script:
            buf.script = script
        if language:
            buf.language = language
        buf.guess_segment_properties()
        hb.shape(self.font, buf)  # HarfBuzz fonts are read-only here: shared by every thread
        return tuple((info.codepoint, info.cluster, pos.x_advance, pos.x_offset, pos.y_offset)
                     for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True))


_faces: dict[str, Face] = {}
_faces_lock = threading.Lock()
_blobs: dict[str, hb.Blob] = {}  # file → its mapping, under _faces_lock


def _file_blob(file: str) -> hb.Blob:
    """One mapping per font file: the CJK collection's regional faces share their glyphs' pages
    (a mapping each would count every page they share once per region in the process's memory)."""
    blob = _blobs.get(file)
    if blob is None:
        blob = _blobs[file] = hb.Blob.from_file_path(str(FONT_DIR / file))
    return blob


def face_key(family: str, weight: str, region: str | None = None) -> str:
    return f"{family}-{weight}" + (f"-{region}" if family == "cjk" else "")


def get_face(key: str) -> Face:
    """The face named by `key` (family-weight[-region]), opened on first use."""
    face = _faces.get(key)
    if face is None:
        with _faces_lock:
            face = _faces.get(key)
            if face is None:
                family, weight, *region = key.split("-", 2)
                if family in _uploads:
                    face = Face(key, None, 0, _uploads[family])
                else:
                    index = CJK_REGIONS[region[0]] if region else FAMILIES[family][weight].index
                    face = Face(key, FAMILIES[family][weight], index)
                _faces[key] = face
    return face


def register_upload(family: str, data: bytes) -> None:
    """Make an uploaded font (already validated) available as `family`; idempotent."""
    with _faces_lock:
        _uploads.setdefault(family, data)


def is_known_family(family: str) -> bool:
    return family in BASE_FAMILIES or family in _uploads


def chain(base: str) -> tuple[str, ...]:
    """Families in fallback order for text set in `base`."""
    return (base, *(family for family in FAMILIES if family != base))


def loaded_faces() -> tuple[str, ...]:
    """Keys of the faces this process has opened so far."""
    return tuple(sorted(_faces))


@ByteCache("glyph_paths", None, sys.getsizeof, share=GLYPH_PATH_SHARE)
def glyph_path(key: str, gid: int) -> str:
    """SVG path data of one glyph in font units, y up (flip when placing); '' for a blank glyph."""
    pen = SVGPathPen(None, ntos=lambda v: f"{v:g}")
    face = get_face(key)
    face.font.draw_glyph_with_pen(gid, pen)
    return pen.getCommands()


class _AggPathPen(BasePen):
    """Outline → aggdraw.Path; quadratic segments arrive as cubics (BasePen converts them)."""

    def __init__(self):
        super().__init__(None)
        self.path = aggdraw.Path()
        self.is_empty = True
        self.vertices = 0

    def _moveTo(self, point):
        self.path.moveto(*point)
        self.is_empty = False
        self.vertices += 1

    def _lineTo(self, point):
        self.path.lineto(*point)
        self.vertices += 1

    def _curveToOne(self, a, b, c):
        length = math.dist(self._getCurrentPoint(), a) + math.dist(a, b) + math.dist(b, c)
        self.path.curveto(*a, *b, *c)
        self.vertices += max(AGG_CURVE_MIN_STEPS, round(length / AGG_CURVE_UNITS_PER_STEP))

    def _closePath(self):
        self.path.close()
        self.vertices += 1


def glyph_outline(key: str, gid: int):
    """The same outline as an aggdraw.Path in font units (for the rasteriser), or None when blank.

    Built with the path API: aggdraw's SVG-string Symbol misreads H and V after curves.
    """
    return _outline(key, gid)[0]


def _outline_bytes(found) -> int:
    path, vertices = found
    if path is None:
        return RESULT_BYTES
    return RESULT_BYTES + AGG_PATH_BYTES + AGG_BLOCK_BYTES * (vertices // AGG_BLOCK_VERTICES + 1)


@ByteCache("glyph_outlines", None, _outline_bytes, share=GLYPH_OUTLINE_SHARE)
def _outline(key: str, gid: int):
    pen = _AggPathPen()
    get_face(key).font.draw_glyph_with_pen(gid, pen)
    return (None if pen.is_empty else pen.path), pen.vertices


@ByteCache("colour_glyphs", None, lambda found: RESULT_BYTES + (len(found[0]) if found is not None else 0),
           share=COLOUR_GLYPH_SHARE)
def colour_glyph(key: str, gid: int) -> tuple[bytes, tuple[float, float, float, float]] | None:
    """A colour (CBDT) glyph: its PNG bytes and (x, y_top, width, height) in em, y up."""
    face = get_face(key)
    png = face.font.get_glyph_color_png(gid)
    extents = face.font.get_glyph_extents(gid)
    if not png.data or extents is None:
        return None
    u = face.upem
    return bytes(png.data), (extents.x_bearing / u, extents.y_bearing / u,
                             extents.width / u, -extents.height / u)
