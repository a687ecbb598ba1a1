"""Brand logos: a PNG, or an SVG sanitized to shapes only, bounded in bytes, pixels and expansion.

An SVG must be UTF-8 text with no DOCTYPE and no entity declaration anywhere;
it keeps only drawing elements and presentation attributes: no script, no
event handlers, no style sheets, no foreign content, no reference that leaves
the document (every href and ``url()``, in any letter case, must point at an
id inside it). Its references are followed and counted before anything draws
it (app/og/svg_expansion.py). It is rendered once to a PNG with resvg, in a
child process with a CPU and memory limit (app/og/svg_sandbox.py), for the
rasteriser; the card's SVG embeds the sanitized SVG.
"""

import base64
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from PIL import Image

from app.og.params import ParamError
from app.og.svg_expansion import ExpansionRefused, check_expansion
from app.og.svg_sandbox import DrawingRefused, draw_png

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 2048  # pixels, either side of a PNG
MAX_SVG_ELEMENTS = 4000
MAX_SVG_DEPTH = 64
MAX_ASPECT = 16  # a logo at most 16 times wider than tall, or taller than wide
RASTER_SIDE = 512  # the long side of the raster form kept for PNG cards
SVG_NS = "http://www.w3.org/2000/svg"
XLINK = "{http://www.w3.org/1999/xlink}href"
ALLOWED_ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "defs", "use",
    "symbol", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "title", "desc",
}
ALLOWED_ATTRIBUTES = {
    "id", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "width", "height",
    "points", "transform", "viewBox", "preserveAspectRatio", "fill", "fill-opacity", "fill-rule", "stroke",
    "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-dasharray", "stroke-dashoffset", "opacity", "clip-path", "clip-rule", "mask", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod", "clipPathUnits",
    "maskUnits", "maskContentUnits", "href", "color", "display", "visibility", "version",
}
LOCAL_URL = re.compile(r"url\(\s*#[\w.-]+\s*\)")
XML_ENCODING = re.compile(r"""<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']""")


@dataclass(frozen=True)
class Logo:
    kind: str  # png | svg
    data: bytes  # the PNG, or the sanitized SVG
    png: bytes  # raster form for PNG cards
    width: int
    height: int

    def data_uri(self) -> str:
        media = "image/png" if self.kind == "png" else "image/svg+xml"
        return f"data:{media};base64," + base64.b64encode(self.data).decode("ascii")


def _bad(message: str) -> ParamError:
    return ParamError("logo", message)


def _png(data: bytes) -> Logo:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise _bad("must be a PNG or an SVG image")
            width, height = image.size
            if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                raise _bad(f"is {width}×{height} pixels; at most {MAX_LOGO_SIDE} on each side")
            image.load()
            rgba = image.convert("RGBA")
    except ParamError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise _bad(f"is not a readable PNG ({error.__class__.__name__})") from error
    rgba.thumbnail((RASTER_SIDE, RASTER_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgba.save(out, "PNG")  # re-encoded: no metadata chunks or trailing bytes travel on
    return Logo("png", out.getvalue(), out.getvalue(), width, height)


def _local_reference(value: str) -> bool:
    return value.startswith("#") and " " not in value


def _clean(element: ET.Element, count: list[int], depth: int = 0) -> None:
    if depth > MAX_SVG_DEPTH:
        raise _bad(f"nests elements deeper than {MAX_SVG_DEPTH}")
    for child in list(element):
        count[0] += 1
        if count[0] > MAX_SVG_ELEMENTS:
            raise _bad(f"has more than {MAX_SVG_ELEMENTS} elements")
        tag = child.tag.split("}")[-1] if isinstance(child.tag, str) else ""
        if not child.tag.startswith(f"{{{SVG_NS}}}") or tag not in ALLOWED_ELEMENTS:
            element.remove(child)
            continue
        _clean(child, count, depth + 1)
    for name in list(element.attrib):
        value = element.attrib[name]
        local = "href" if name == XLINK else name
        lowered = value.lower()
        if local not in ALLOWED_ATTRIBUTES or (local == "href" and not _local_reference(value)) or (
                "url(" in lowered and not LOCAL_URL.fullmatch(value.strip())) or "javascript:" in lowered:
            del element.attrib[name]


def _length(value: str | None) -> float | None:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*", value or "")
    return float(match.group(1)) if match else None


def _aspect(root: ET.Element) -> float:
    """Width over height from the viewBox or the width and height; bounded so the raster stays small."""
    box = re.split(r"[\s,]+", root.get("viewBox", "").strip())
    try:
        width, height = (float(box[2]), float(box[3])) if len(box) == 4 else (
            _length(root.get("width")) or 100.0, _length(root.get("height")) or 100.0)
    except ValueError as error:
        raise _bad("SVG viewBox must be four numbers") from error
    if width <= 0 or height <= 0 or not 1 / MAX_ASPECT <= width / height <= MAX_ASPECT:
        raise _bad(f"SVG must be at most {MAX_ASPECT} times wider than tall or taller than wide")
    return width / height


def _svg_text(data: bytes) -> str:
    """The SVG as text: UTF-8 only (a UTF-16 file would slip past checks that read bytes), no DOCTYPE or entity."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise _bad("SVG must be UTF-8 text") from error
    declared = XML_ENCODING.search(text[:200])
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise _bad(f"SVG must be UTF-8 text (it declares {declared.group(1)[:20]})")
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise _bad("SVG must not declare a DOCTYPE or entities")
    return text


def _svg(data: bytes) -> Logo:
    text = _svg_text(data)
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as error:
        raise _bad(f"is not well-formed SVG ({error})") from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _bad("must be a PNG or an SVG image")
    _clean(root, [0])
    try:
        check_expansion(root)
    except ExpansionRefused as error:
        raise _bad(f"SVG {error}") from error
    aspect = _aspect(root)
    root.attrib.pop("x", None)
    root.attrib.pop("y", None)
    ET.register_namespace("", SVG_NS)
    clean = ET.tostring(root, encoding="utf-8")
    size = {"width": RASTER_SIDE} if aspect >= 1 else {"height": RASTER_SIDE}
    try:
        png = draw_png(clean.decode("utf-8"), **size)
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
    except DrawingRefused as error:
        raise _bad(f"SVG could not be drawn: {error}") from error
    except (OSError, ValueError) as error:
        raise _bad(f"SVG could not be drawn ({error.__class__.__name__})") from error
    return Logo("svg", clean, png, width, height)


def load_logo(data: bytes) -> Logo:
    """A validated logo from uploaded bytes; ParamError("logo", …) when it is not acceptable."""
    if not data:
        raise _bad("is empty")
    if len(data) > MAX_LOGO_BYTES:
        raise _bad(f"is {len(data)} bytes; at most {MAX_LOGO_BYTES}")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if b"<svg" in data or data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"<\x00s\x00v\x00g" in data:
        return _svg(data)
    raise _bad("must be a PNG or an SVG image")
