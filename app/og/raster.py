"""Scene → Pillow image, anti-aliased.

Pillow draws shapes without anti-aliasing, so each shape is drawn into a
coverage mask at SUPERSAMPLE× over its own bounding box only, reduced with a
box filter and used to blend the shape's colour in. Supersampling the whole
card instead costs 4× the drawing and a full-frame resize (PERFORMANCE.md:
33 ms vs. 21 ms). Text is anti-aliased natively by FreeType.
"""

import math
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

from app.og.art import Shape
from app.og.fonts import glyph_mask, pen_positions
from app.og.layout import TextBlock
from app.og.scene import Rect, Scene

SUPERSAMPLE = 4
RAMP_CACHE_PIXELS = 1080 * 1920  # every preset fits; 16 cached ramps stay under 34 MB


@lru_cache(maxsize=16)
def _diagonal_ramp(width: int, height: int) -> Image.Image:
    """L image of t = (x/W + y/H) / 2 in 0..255, shared by every card of this size."""
    across = Image.new("L", (width, 1))
    across.putdata([round(255 * (i + 0.5) / width) for i in range(width)])
    down = Image.new("L", (1, height))
    down.putdata([round(255 * (i + 0.5) / height) for i in range(height)])
    return ImageChops.add(across.resize((width, height), Image.Resampling.NEAREST),
                          down.resize((width, height), Image.Resampling.NEAREST), scale=2)


def _gradient(scene: Scene) -> Image.Image:
    """The SVG's objectBoundingBox gradient (0,0)→(1,1), through a 256-colour palette."""
    start, stop = scene.background
    palette = [round(a + (b - a) * i / 255) for i in range(256) for a, b in zip(start, stop, strict=True)]
    if scene.width * scene.height <= RAMP_CACHE_PIXELS:
        ramp = _diagonal_ramp(scene.width, scene.height).copy()
    else:  # custom sizes beyond the presets: don't pin big images in the cache
        ramp = _diagonal_ramp.__wrapped__(scene.width, scene.height)
    ramp.putpalette(palette)
    return ramp.convert("RGB")


def _bounds(shape: Shape) -> tuple[float, float, float, float]:
    if shape.kind == "polygon":
        xs, ys = [p[0] for p in shape.points], [p[1] for p in shape.points]
        return min(xs), min(ys), max(xs), max(ys)
    return shape.cx - shape.r, shape.cy - shape.r, shape.cx + shape.r, shape.cy + shape.r


def _blend(image: Image.Image, bounds, colour, opacity: float, draw_mask) -> None:
    """Draw a coverage mask over `bounds` (clipped to the image) and blend `colour` through it."""
    x0, y0 = max(0, math.floor(bounds[0])), max(0, math.floor(bounds[1]))
    x1, y1 = min(image.width, math.ceil(bounds[2])), min(image.height, math.ceil(bounds[3]))
    if x1 <= x0 or y1 <= y0:
        return
    s = SUPERSAMPLE
    mask = Image.new("L", ((x1 - x0) * s, (y1 - y0) * s), 0)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x - x0) * s, (y - y0) * s

    draw_mask(ImageDraw.Draw(mask), at, round(opacity * 255))
    # A solid image pastes ~1.8x faster through a mask than a colour does.
    image.paste(Image.new("RGB", (x1 - x0, y1 - y0), colour), (x0, y0), mask.reduce(s))


def _draw_shape(image: Image.Image, shape: Shape) -> None:
    s = SUPERSAMPLE

    def draw(d: ImageDraw.ImageDraw, at, alpha: int) -> None:
        if shape.kind == "polygon":
            d.polygon([at(x, y) for x, y in shape.points], fill=alpha)
            return
        box = [at(shape.cx - shape.r, shape.cy - shape.r), at(shape.cx + shape.r, shape.cy + shape.r)]
        if shape.kind == "circle":
            d.ellipse(box, fill=alpha)
        else:
            d.ellipse(box, outline=alpha, width=max(1, round(shape.stroke * s)))

    _blend(image, _bounds(shape), shape.colour, shape.opacity, draw)


@lru_cache(maxsize=256)
def _corner(radius: int, alpha: int) -> Image.Image:
    """Anti-aliased top-left quarter disc, `radius` pixels square."""
    s = SUPERSAMPLE
    mask = Image.new("L", (radius * s, radius * s), 0)
    ImageDraw.Draw(mask).ellipse([0, 0, 2 * radius * s, 2 * radius * s], fill=alpha)
    return mask.reduce(s)


def _draw_rect(image: Image.Image, rect: Rect) -> None:
    """Rounded rectangle on whole pixels: a flat mask with anti-aliased corners pasted in."""
    width, height = rect.x1 - rect.x0, rect.y1 - rect.y0
    radius = min(rect.radius, width // 2, height // 2)
    alpha = round(rect.opacity * 255)
    mask = Image.new("L", (width, height), alpha)
    if radius > 0:
        corner = _corner(radius, alpha)
        mask.paste(corner, (0, 0))
        mask.paste(corner.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (width - radius, 0))
        mask.paste(corner.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (0, height - radius))
        mask.paste(corner.transpose(Image.Transpose.ROTATE_180), (width - radius, height - radius))
    image.paste(Image.new("RGB", (width, height), rect.colour), (rect.x0, rect.y0), mask)


def draw_scene(scene: Scene) -> Image.Image:
    """Rasterise a scene to an RGB image of exactly scene.width × scene.height."""
    image = _gradient(scene)
    for shape in scene.shapes:
        _draw_shape(image, shape)
    for rect in (scene.panel, scene.bar):
        if rect is not None:
            _draw_rect(image, rect)
    for block in scene.texts:
        _draw_text(image, block)
    return image


def _draw_text(image: Image.Image, block: TextBlock) -> None:
    """Paste cached glyph bitmaps at the layout's pen positions.

    Same pixels as ImageDraw.text for whole-pixel origins (FreeType renders
    each glyph alike), at a third of the cost: glyphs are rasterised once.
    """
    for line in block.lines:
        for ch, x in zip(line.text, pen_positions(block.face, block.size, line.text), strict=True):
            mask, dx, dy = glyph_mask(block.face, block.size, ch)
            if mask is not None:
                image.paste(block.colour, (line.x + round(x) + dx, line.baseline + dy), mask)
