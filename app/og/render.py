"""The renderer's entry point: validated params → (bytes, content type)."""

import hashlib
from importlib.metadata import version

import icu
import uharfbuzz as hb

from app.og.encode import PNG_BAND_BYTES, PNG_LEVEL, encode_pillow, encode_png
from app.og.fonts import FAMILIES
from app.og.memory import drawing_card
from app.og.params import CardParams
from app.og.presets import FORMATS
from app.og.raster import SUPERSAMPLE, draw_scene
from app.og.scene import build_scene
from app.og.svg import render_svg

# Bump RENDERER_REVISION whenever our drawing changes. The suffix follows the
# libraries whose upgrades can change bytes (Pillow, aggdraw, ISA-L, svgwrite,
# fontTools, HarfBuzz, ICU), so an upgrade changes every ETag instead of serving stale bytes.
RENDERER_REVISION = "4"
_LIBRARIES = "|".join((
    version("pillow"), version("aggdraw"), version("isal"), version("svgwrite"), version("fonttools"),
    version("uharfbuzz"), hb.version_string(), icu.ICU_VERSION, icu.UNICODE_VERSION,
    str(PNG_LEVEL), str(PNG_BAND_BYTES), str(SUPERSAMPLE), *sorted(FAMILIES),
))
RENDERER_VERSION = f"{RENDERER_REVISION}.{hashlib.sha256(_LIBRARIES.encode()).hexdigest()[:8]}"


def render(params: CardParams, brand=None) -> tuple[bytes, str]:
    """Render a card in params.format (from a template's Brand when given); same params → same bytes."""
    scene = build_scene(params, brand.theme if brand else None, brand.logo if brand else None)
    if params.format == "svg":
        return render_svg(scene), FORMATS[params.format]
    with drawing_card(scene.width * scene.height):  # the canvas and its encoding live in here
        if params.format == "png":
            body = encode_png(draw_scene(scene))
        else:
            body = encode_pillow(draw_scene(scene), params.format)
    return body, FORMATS[params.format]
