"""Scene → Pillow image, anti-aliased.

Shapes are drawn with aggdraw (the Anti-Grain Geometry rasteriser): exact
area coverage, blended straight onto the card, with no supersampled mask
per shape (whose memory grows with the square of the card). The text panel is a
lookup-table tint of its pixels plus four anti-aliased corners. Text is the
shaped glyphs' outlines drawn by AGG too, the outlines the SVG carries.
"""

import io
import math
from functools import lru_cache

import aggdraw
from PIL import Image, ImageChops, ImageDraw

from app.og.art import Shape
from app.og.byte_cache import ByteCache
from app.og.fonts import colour_glyph, get_face, glyph_outline
from app.og.glyphs import colour_box, glyph_origin
from app.og.layout import TextBlock
from app.og.layouts import Rect
from app.og.scene import Scene

SUPERSAMPLE = 4  # for the panel's rounded corners
RAMP_CACHE_PIXELS = 1080 * 1920  # every preset fits; larger custom sizes are not kept
# Shares of the drawing caches' budget (OG_DRAWING_CACHE_BYTES).
RAMP_SHARE = 0.10  # the ramps of the common preset sizes
GLYPH_MASK_SHARE = 0.36  # coverage bitmaps of drawn glyphs
COLOUR_BITMAP_SHARE = 0.06  # emoji scaled to a card's text size
LOGO_SHARE = 0.04  # template logos scaled to a card's layout
# Beyond its pixels a Pillow image holds its Python and C objects and a pointer per line;
# the cache's own entry comes on top.
IMAGE_OVERHEAD = 640
LINE_POINTER_BYTES = 8
PIXEL_BYTES = {"L": 1, "RGB": 4, "RGBA": 4}  # Pillow keeps RGB in 32-bit pixels
MAX_GLYPH_EMS = 4  # a glyph box past 4 em either way is not drawn


@ByteCache("gradient_ramps", None, lambda ramp: image_bytes(ramp), share=RAMP_SHARE)
def _diagonal_ramp(width: int, height: int) -> Image.Image:
    """L image of t = (x/W + y/H) / 2 in 0..255, shared by every card of this size."""
    across = Image.new("L", (width, 1))
    across.putdata([round(255 * (i + 0.5) / width) for i in range(width)])
    down = Image.new("L", (1, height))
    down.putdata([round(255 * (i + 0.5) / height) for i in range(height)])
    return ImageChops.add(across.resize((width, height), Image.Resampling.NEAREST),
                          down.resize((width, height), Image.Resampling.NEAREST), scale=2)


def _render_gradient(width: int, height: int, start, stop) -> Image.Image:
    """The SVG's objectBoundingBox gradient (0,0)→(1,1), through a 256-colour palette."""
    palette = [round(a + (b - a) * i / 255) for i in range(256) for a, b in zip(start, stop, strict=True)]
    if width * height <= RAMP_CACHE_PIXELS:
        ramp = _diagonal_ramp(width, height).copy()
    else:  # custom sizes beyond the presets: don't pin big images in the cache
        ramp = _diagonal_ramp.__wrapped__(width, height)
    ramp.putpalette(palette)
    return ramp.convert("RGB")


def _gradient(scene: Scene) -> Image.Image:
    start, stop = scene.background
    # Colouring a cached ramp costs under a millisecond: finished backgrounds (3 MB each at 1200×630) are not kept.
    return _render_gradient(scene.width, scene.height, start, stop)


def _draw_shapes(image: Image.Image, shapes: tuple[Shape, ...]) -> None:
    """Every shape as the SVG has it: fills, ring strokes centred on r - stroke/2."""
    if not shapes:
        return
    draw = aggdraw.Draw(image)
    for shape in shapes:
        alpha = round(shape.opacity * 255)
        if shape.kind == "polygon":
            draw.polygon([c for point in shape.points for c in point], None,
                         aggdraw.Brush(shape.colour, alpha))
        elif shape.kind == "circle":
            r = shape.r
            draw.ellipse((shape.cx - r, shape.cy - r, shape.cx + r, shape.cy + r), None,
                         aggdraw.Brush(shape.colour, alpha))
        else:
            r = shape.r - shape.stroke / 2
            draw.ellipse((shape.cx - r, shape.cy - r, shape.cx + r, shape.cy + r),
                         aggdraw.Pen(shape.colour, shape.stroke, alpha))
    draw.flush()


@lru_cache(maxsize=256)
def _corner(radius: int, alpha: int) -> Image.Image:
    """Anti-aliased top-left quarter disc, `radius` pixels square."""
    s = SUPERSAMPLE
    mask = Image.new("L", (radius * s, radius * s), 0)
    ImageDraw.Draw(mask).ellipse([0, 0, 2 * radius * s, 2 * radius * s], fill=alpha)
    return mask.reduce(s)


def _draw_rect(image: Image.Image, rect: Rect) -> None:
    """Rounded rectangle on whole pixels: a tinted region with anti-aliased corners."""
    width, height = rect.x1 - rect.x0, rect.y1 - rect.y0
    radius = min(rect.radius, width // 2, height // 2)
    alpha = round(rect.opacity * 255)
    region = image.crop((rect.x0, rect.y0, rect.x1, rect.y1))
    # One colour at one opacity: blending is a per-channel table lookup, not a masked paste.
    lut = [(v * (255 - alpha) + c * alpha + 127) // 255 for c in rect.colour for v in range(256)]
    tinted = region.point(lut)
    if radius > 0:  # the corners: the untinted pixels, blended through the quarter-disc coverage
        corner = _corner(radius, alpha)
        solid = Image.new("RGB", (radius, radius), rect.colour)
        for transpose, (x, y) in ((None, (0, 0)), (Image.Transpose.FLIP_LEFT_RIGHT, (width - radius, 0)),
                                  (Image.Transpose.FLIP_TOP_BOTTOM, (0, height - radius)),
                                  (Image.Transpose.ROTATE_180, (width - radius, height - radius))):
            piece = region.crop((x, y, x + radius, y + radius))
            piece.paste(solid, (0, 0), corner if transpose is None else corner.transpose(transpose))
            tinted.paste(piece, (x, y))
    image.paste(tinted, (rect.x0, rect.y0))


def draw_scene(scene: Scene) -> Image.Image:
    """Rasterise a scene to an RGB image of exactly scene.width × scene.height."""
    image = _gradient(scene)
    _draw_shapes(image, scene.shapes)
    for rect in scene.rects:
        _draw_rect(image, rect)
    if scene.logo is not None:
        bitmap = _logo_bitmap(scene.logo.logo, scene.logo.width, scene.logo.height)
        image.paste(bitmap, (scene.logo.x, scene.logo.y), bitmap)
    for block in scene.texts:
        _draw_text(image, block)
    return image


@ByteCache("logos", None, lambda bitmap: image_bytes(bitmap), share=LOGO_SHARE)
def _logo_bitmap(logo, width: int, height: int) -> Image.Image:
    with Image.open(io.BytesIO(logo.png)) as bitmap:
        return bitmap.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS)


def _draw_text(image: Image.Image, block: TextBlock) -> None:
    """Cached glyph bitmaps pasted at the shaped positions; colour glyphs as their own bitmaps."""
    for line in block.lines:
        for glyph in line.glyphs.glyphs:
            face = get_face(glyph.face)
            if face.is_colour:
                box = colour_box(line, glyph, block.size)
                if box is not None:
                    x, y, width, height = box
                    bitmap = _colour_bitmap(glyph.face, glyph.gid, width, height)
                    image.paste(bitmap, (x, y), bitmap)
                continue
            x, y, _scale = glyph_origin(line, glyph, block.size, face.upem)
            ix, iy = math.floor(x), math.floor(y)
            mask, dx, dy = _glyph_mask(glyph.face, glyph.gid, block.size, x - ix, y - iy)
            if mask is not None:
                image.paste(block.colour, (ix + dx, iy + dy), mask)


def image_bytes(image: Image.Image) -> int:
    """What a Pillow image holds in memory."""
    return IMAGE_OVERHEAD + image.height * (LINE_POINTER_BYTES + image.width * PIXEL_BYTES[image.mode])


def _mask_bytes(found) -> int:
    mask = found[0]
    return image_bytes(mask) if mask is not None else IMAGE_OVERHEAD


@ByteCache("glyph_masks", None, _mask_bytes, share=GLYPH_MASK_SHARE)
def _glyph_mask(face_key: str, gid: int, size: int, fx: float, fy: float):
    """Coverage of one outline at a quarter-pixel offset, drawn by AGG once; (mask, dx, dy) from the origin.

    A glyph whose box reaches past ``MAX_GLYPH_EMS`` em is not drawn (uploads with one are refused;
    this keeps a font accepted before from costing a card more than a few em of pixels)."""
    outline = glyph_outline(face_key, gid)
    face = get_face(face_key)
    extents = face.font.get_glyph_extents(gid)
    if outline is None or extents is None:
        return None, 0, 0
    if max(abs(extents.x_bearing), abs(extents.y_bearing), abs(extents.width),
           abs(extents.height)) > MAX_GLYPH_EMS * face.upem:
        return None, 0, 0
    scale = size / face.upem
    x0 = math.floor(fx + extents.x_bearing * scale) - 1
    y0 = math.floor(fy - extents.y_bearing * scale) - 1
    x1 = math.ceil(fx + (extents.x_bearing + extents.width) * scale) + 1
    y1 = math.ceil(fy - (extents.y_bearing + extents.height) * scale) + 1
    mask = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
    draw = aggdraw.Draw(mask)
    draw.settransform((scale, 0, fx - x0, 0, -scale, fy - y0))
    draw.path(outline, None, aggdraw.Brush(255))
    draw.flush()
    return mask, x0, y0


@ByteCache("colour_bitmaps", None, image_bytes, share=COLOUR_BITMAP_SHARE)
def _colour_bitmap(face: str, gid: int, width: int, height: int) -> Image.Image:
    png, _extents = colour_glyph(face, gid)
    with Image.open(io.BytesIO(png)) as bitmap:
        return bitmap.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS)
