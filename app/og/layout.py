"""Text layout: wrap shaped paragraphs to a width and pick the largest size that fits a box.

Widths are HarfBuzz advances in em times the size, the numbers both
renderers draw with, so a box computed here is the box the glyphs occupy.
Explicit newlines are kept (a blank line stays a blank line); a right-to-left
paragraph is right-aligned.
"""

from dataclasses import dataclass

from app.og.fonts import get_face
from app.og.itemize import grapheme_bounds
from app.og.linebreak import trim_end, wrap
from app.og.shaping import ELLIPSIS, ShapedLine, ShapedParagraph, shape_paragraph

LINE_SPACING = 1.25


@dataclass(frozen=True)
class LineSpan:
    """Characters [start, end) of a shaped paragraph, with an ellipsis when text was cut after it."""

    paragraph: ShapedParagraph
    start: int
    end: int
    ellipsis: bool = False

    def width(self) -> float:
        """Width in em."""
        extra = _ellipsis_em(self.paragraph) if self.ellipsis else 0.0
        return self.paragraph.width(self.start, self.end) + extra


@dataclass(frozen=True)
class TextLine:
    text: str  # the line's characters in logical order ("…" added when cut)
    glyphs: ShapedLine
    x: float  # pen origin of the line's left edge, pixels
    baseline: float
    width: float  # pixels


@dataclass(frozen=True)
class TextBlock:
    """Lines of one base face, size and colour; `box` is (x0, y0, x1, y1) of all lines."""

    font: str  # the base face (family-weight) the lines are set in
    size: int
    colour: tuple[int, int, int]
    lines: tuple[TextLine, ...]
    box: tuple[float, float, float, float]
    missing: frozenset[str] = frozenset()  # scripts no shipped face could draw


def _ellipsis_em(paragraph: ShapedParagraph) -> float:
    return paragraph.line(0, 0, ellipsis=True).width


def _metrics(font: str) -> tuple[float, float]:
    face = get_face(font)
    return face.ascender, face.descender


def wrap_text(text: str, font: str, size: int, max_width: float,
              language: str | None) -> list[LineSpan]:
    """Greedy UAX #14 wrap of every paragraph at `size` pixels."""
    lines: list[LineSpan] = []
    em_width = max_width / size
    for paragraph_text in text.split("\n"):
        paragraph = shape_paragraph(paragraph_text, font, language)
        spans = wrap(paragraph.paragraph.text, language, paragraph.width, em_width)
        lines.extend(LineSpan(paragraph, a, b) for a, b in spans or [(0, 0)])
    return lines


def ellipsize(line: LineSpan, size: int, max_width: float) -> LineSpan:
    """Cut `line` between graphemes so that it plus an ellipsis fits `max_width`."""
    text = line.paragraph.paragraph.text
    bounds = [line.start] + [line.start + b for b in grapheme_bounds(text[line.start:line.end])]
    room = max_width / size - _ellipsis_em(line.paragraph)
    end = line.start
    for bound in bounds:
        if line.paragraph.width(line.start, bound) <= room:
            end = bound
    return LineSpan(line.paragraph, line.start, trim_end(text, line.start, end), True)


def line_height(size: int) -> float:
    return round(size * LINE_SPACING, 2)


def block_height(font: str, size: int, count: int) -> float:
    """Height of `count` lines: full line pitch between them, ascent+descent for the last."""
    if count == 0:
        return 0.0
    ascent, descent = _metrics(font)
    return line_height(size) * (count - 1) + round((ascent + descent) * size, 2)


def fit_lines(text: str, font: str, size: int, max_width: float, max_height: float,
              max_lines: int | None, language: str | None) -> list[LineSpan]:
    """Wrap at `size`, keeping only the lines that fit; the last kept gets an ellipsis."""
    lines = wrap_text(text, font, size, max_width, language)
    room = 0
    while room < len(lines) and block_height(font, size, room + 1) <= max_height:
        room += 1
    if max_lines is not None:
        room = min(room, max_lines)
    if room < len(lines):
        lines = lines[:room]
        if lines:
            lines[-1] = ellipsize(lines[-1], size, max_width)
    return lines


def place_lines(font: str, size: int, colour: tuple[int, int, int], lines: list[LineSpan],
                x: float, top: float, align_width: float | None = None, align: str = "start") -> TextBlock:
    """Lines from (x, top) in a column as wide as the widest line (or align_width).

    `start` aligns left-to-right paragraphs left and right-to-left ones right; `center` centres all.
    """
    ascent, _ = _metrics(font)
    shaped = [line.paragraph.line(line.start, line.end, line.ellipsis) for line in lines]
    widest = max((s.width * size for s in shaped), default=0.0)
    column = max(widest, align_width or 0.0)
    placed = []
    for i, (line, glyphs) in enumerate(zip(lines, shaped, strict=True)):
        width = glyphs.width * size
        if align == "center":
            left = x + (column - width) / 2
        else:
            left = x + (column - width if line.paragraph.paragraph.is_rtl else 0.0)
        text = line.paragraph.paragraph.text[line.start:line.end] + (ELLIPSIS if line.ellipsis else "")
        placed.append(TextLine(text, glyphs, round(left, 2), round(top + ascent * size + i * line_height(size), 2),
                               round(width, 2)))
    missing = frozenset().union(*(line.paragraph.paragraph.missing for line in lines))
    return TextBlock(font, size, colour, tuple(placed),
                     (x, top, x + column, top + block_height(font, size, len(lines))), missing)


def shift_block(block: TextBlock, dx: float, dy: float = 0.0) -> TextBlock:
    """The same block moved by (dx, dy) pixels."""
    lines = tuple(TextLine(line.text, line.glyphs, round(line.x + dx, 2), round(line.baseline + dy, 2), line.width)
                  for line in block.lines)
    x0, y0, x1, y1 = block.box
    return TextBlock(block.font, block.size, block.colour, lines,
                     (x0 + dx, y0 + dy, x1 + dx, y1 + dy), block.missing)
