"""One scene description per card, built deterministically from its parameters.

The SVG writer and the rasteriser both draw this and only this, so the two
outputs share every coordinate.
"""

import functools
import math
from dataclasses import dataclass

from app.og import layout
from app.og.art import SeededStream, Shape, make_shapes
from app.og.itemize import itemize
from app.og.palettes import THEMES, Colour, Theme
from app.og.params import CardParams

QUOTE_WEIGHT = "bold"
AUTHOR_WEIGHT = "regular"
AUTHOR_PREFIX = "— "
MAX_AUTHOR_LINES = 2
# Legible floors, as fractions of min(width, 1.6 × height) (1008 px at 1200×630):
TITLE_FLOOR = 0.04  # 40 px at 1200×630; a longer text is cut with … rather than shrunk
SECONDARY_FLOOR = 0.028  # 28 px at 1200×630 (author, description, site)
TITLE_CEILING = 0.072


@dataclass(frozen=True)
class Rect:
    """A rounded rectangle (x0, y0, x1, y1) filled with `colour` at `opacity`."""

    x0: int
    y0: int
    x1: int
    y1: int
    radius: int
    colour: Colour
    opacity: float


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    theme: str
    background: tuple[Colour, Colour]  # diagonal gradient, top-left → bottom-right
    shapes: tuple[Shape, ...]
    panel: Rect | None
    bar: Rect | None
    texts: tuple[layout.TextBlock, ...]
    title: str  # the text the card shows, for accessibility

    @property
    def missing_scripts(self) -> tuple[str, ...]:
        """Scripts of the card's text that no shipped font could draw (shown as U+FFFD)."""
        return tuple(sorted(frozenset().union(*(block.missing for block in self.texts))))


@dataclass(frozen=True)
class _Frame:
    """Where text may go: margins, panel padding and the accent bar."""

    margin: int
    pad: int
    bar_width: int
    text_x: int
    max_width: float
    max_height: float


def _frame(width: int, height: int) -> _Frame:
    short = min(width, height)
    margin, pad = round(short * 0.08), round(short * 0.05)
    bar_width = max(2, round(short * 0.008))
    text_x = margin + pad + bar_width * 4
    return _Frame(margin, pad, bar_width, text_x,
                  width - text_x - margin - pad, height - 2 * (margin + pad))


def type_scale(width: int, height: int) -> float:
    """The length the text sizes are fractions of."""
    return min(width, height * 1.6)


def _author_size(quote_size: int, floor: int) -> int:
    return max(floor, round(quote_size * 0.55))


def _gap(quote_lines, author_lines, size: int) -> float:
    return round(size * 0.7, 2) if quote_lines and author_lines else 0.0


def _wrap_all(params: CardParams, author: str, size: int, frame: _Frame, floor: int):
    quote_lines = layout.wrap_text(params.quote, QUOTE_WEIGHT, size, frame.max_width, params.lang)
    author_lines = layout.fit_lines(author, AUTHOR_WEIGHT, _author_size(size, floor), frame.max_width,
                                    frame.max_height, MAX_AUTHOR_LINES, params.lang)
    height = (layout.block_height(QUOTE_WEIGHT, size, len(quote_lines))
              + _gap(quote_lines, author_lines, size)
              + layout.block_height(AUTHOR_WEIGHT, _author_size(size, floor), len(author_lines)))
    return quote_lines, author_lines, height


def _fit(params: CardParams, author: str, width: int, height: int, frame: _Frame):
    """Largest quote size whose wrapped text fits; else the floor size, cut with an ellipsis."""
    scale = type_scale(width, height)
    low, floor = max(8, round(scale * TITLE_FLOOR)), max(8, round(scale * SECONDARY_FLOOR))
    high = max(low, round(scale * TITLE_CEILING))
    if _wrap_all(params, author, low, frame, floor)[2] <= frame.max_height:
        while low < high:  # binary search for the largest fitting size
            mid = (low + high + 1) // 2
            if _wrap_all(params, author, mid, frame, floor)[2] <= frame.max_height:
                low = mid
            else:
                high = mid - 1
        return (low, floor, *_wrap_all(params, author, low, frame, floor)[:2])
    author_size = _author_size(low, floor)
    author_lines = layout.fit_lines(author, AUTHOR_WEIGHT, author_size, frame.max_width,
                                    frame.max_height, 1, params.lang)
    author_h = layout.block_height(AUTHOR_WEIGHT, author_size, len(author_lines))
    room = frame.max_height - author_h - (round(low * 0.7, 2) if author_lines else 0.0)
    quote_lines = layout.fit_lines(params.quote, QUOTE_WEIGHT, low, frame.max_width, room, None,
                                   params.lang)
    return low, floor, quote_lines, author_lines


def _compose_text(params: CardParams, theme: Theme, width: int, height: int):
    """Text blocks, the panel behind them and the accent bar, centred on the card."""
    frame = _frame(width, height)
    author = AUTHOR_PREFIX + params.author if params.author else ""
    if frame.max_width < 16 or frame.max_height < 8 or not (params.quote or author):
        return None, None, ()
    size, floor, quote_lines, author_lines = _fit(params, author, width, height, frame)
    if not (quote_lines or author_lines):
        return None, None, ()
    author_size = _author_size(size, floor)
    content_h = (layout.block_height(QUOTE_WEIGHT, size, len(quote_lines))
                 + _gap(quote_lines, author_lines, size)
                 + layout.block_height(AUTHOR_WEIGHT, author_size, len(author_lines)))
    top = round((height - content_h) / 2, 2)
    quote = layout.place_lines(QUOTE_WEIGHT, size, theme.text, quote_lines, frame.text_x, top)
    author_top = quote.box[3] + _gap(quote_lines, author_lines, size)
    author_block = layout.place_lines(AUTHOR_WEIGHT, author_size, theme.accent, author_lines,
                                      frame.text_x, round(author_top, 2))
    column = max(quote.box[2], author_block.box[2]) - frame.text_x
    quote, author_block = (layout.place_lines(b.weight, b.size, b.colour, lines, frame.text_x, b.box[1], column)
                           for b, lines in ((quote, quote_lines), (author_block, author_lines)))
    blocks = tuple(b for b in (quote, author_block) if b.lines)
    right = max(b.box[2] for b in blocks)
    x0, y0 = frame.margin, round(top - frame.pad, 2)
    x1, y1 = round(right + frame.pad, 2), round(top + content_h + frame.pad, 2)
    shift = round((width - frame.margin - x1) / 2)  # centre the panel horizontally
    blocks = tuple(layout.shift_block(b, shift) for b in blocks)
    # Whole-pixel panel and bar: straight edges need no anti-aliasing, only corners.
    panel = Rect(x0 + shift, math.floor(y0), math.ceil(x1) + shift, math.ceil(y1),
                 round(frame.pad * 0.6), theme.panel, theme.panel_opacity)
    bar_x = frame.margin + frame.pad + shift
    bar = Rect(bar_x, round(top), bar_x + frame.bar_width, round(top + content_h),
               frame.bar_width // 2, theme.accent, 1.0)
    return panel, bar, blocks


def missing_scripts(params: CardParams) -> tuple[str, ...]:
    """Scripts of the card's text that no shipped font has (the card shows U+FFFD for them)."""
    found: set[str] = set()
    for text, weight in ((params.quote, QUOTE_WEIGHT), (params.author, AUTHOR_WEIGHT)):
        for paragraph in text.split("\n") if text else ():
            found |= itemize(paragraph, weight, params.lang).missing
    return tuple(sorted(found))


def _pick_theme(stream: SeededStream, name: str) -> Theme:
    # Always the stream's first draw, so resolve_theme() can replay it alone.
    return THEMES[name] if name != "auto" else stream.pick(tuple(THEMES.values()))


def resolve_theme(params: CardParams) -> str:
    """The theme a card uses: the named one, or the one its seed picks for `auto`."""
    return params.theme if params.theme != "auto" else _auto_theme(params.seed)


@functools.lru_cache(maxsize=4096)  # every tracked request asks; cached cards are asked again and again
def _auto_theme(seed: str) -> str:
    return _pick_theme(SeededStream("og-scene-v1", seed), "auto").name


def build_scene(params: CardParams) -> Scene:
    """The full scene for validated params; same params → equal scene."""
    width, height = params.size
    stream = SeededStream("og-scene-v1", params.seed)
    theme = _pick_theme(stream, params.theme)
    background = theme.background if stream.uniform(0, 1) < 0.5 else theme.background[::-1]
    shapes = make_shapes(stream, theme, width, height, params.shapes)
    panel, bar, texts = _compose_text(params, theme, width, height)
    title = " ".join(part for part in (params.quote, AUTHOR_PREFIX + params.author
                                       if params.author else "") if part) or params.seed
    return Scene(width, height, theme.name, background, shapes, panel, bar, texts, title)
