"""Text layout: wrap a text to a width and pick the largest size that fits a box.

Widths come from the shipped font's real (hinted) metrics, the same numbers
Pillow draws with, so a box computed here is the box the glyphs occupy.
"""

from dataclasses import dataclass

from app.og.fonts import advance, kerning, line_metrics, text_width

ELLIPSIS = "…"
LINE_SPACING = 1.25


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    baseline: float
    width: float


@dataclass(frozen=True)
class TextBlock:
    """Lines of one face, size and colour; `box` is (x0, y0, x1, y1) of all lines."""

    face: str
    size: int
    colour: tuple[int, int, int]
    lines: tuple[TextLine, ...]
    box: tuple[float, float, float, float]


def _append_width(face: str, size: int, line: str, line_w: float, word: str, word_w: float) -> float:
    """Width of `line + " " + word`, from the parts' widths and the kerning at the joins."""
    return (line_w + kerning(face, size, line[-1], " ") + advance(face, size, " ")
            + kerning(face, size, " ", word[0]) + word_w)


def _split_word(face: str, size: int, word: str, max_width: float) -> list[str]:
    """Break a word wider than the line into pieces that fit, character by character."""
    pieces, current = [], ""
    for ch in word:
        if current and text_width(face, size, current + ch) > max_width:
            pieces.append(current)
            current = ""
        current += ch
    return pieces + [current] if current else pieces


def wrap(face: str, size: int, text: str, max_width: float) -> list[str]:
    """Greedy word wrap; newlines force breaks; over-long words are split."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_w = "", 0.0
        for word in paragraph.split():
            word_w = text_width(face, size, word)
            if word_w > max_width:  # fill the current line first, then split the rest
                *head, word = _split_word(face, size, f"{line} {word}" if line else word, max_width)
                lines.extend(head)
                line, line_w = word, text_width(face, size, word)
                continue
            candidate_w = _append_width(face, size, line, line_w, word, word_w) if line else word_w
            if line and candidate_w > max_width:
                lines.append(line)
                line, line_w = word, word_w
            else:
                line, line_w = (line + " " + word if line else word), candidate_w
        if line:
            lines.append(line)
    return lines


def ellipsize(face: str, size: int, line: str, max_width: float) -> str:
    """Cut `line` so that it plus an ellipsis fits `max_width`."""
    while line and text_width(face, size, line + ELLIPSIS) > max_width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def line_height(size: int) -> float:
    return round(size * LINE_SPACING, 2)


def block_height(face: str, size: int, count: int) -> float:
    """Height of `count` lines: full line pitch between them, ascent+descent for the last."""
    if count == 0:
        return 0.0
    ascent, descent = line_metrics(face, size)
    return line_height(size) * (count - 1) + ascent + descent


def fit_lines(face: str, text: str, max_width: float, max_height: float,
              max_lines: int | None, size: int) -> list[str]:
    """Wrap at `size`, keeping only the lines that fit; the last kept gets an ellipsis."""
    lines = wrap(face, size, text, max_width)
    room = 0
    while room < len(lines) and block_height(face, size, room + 1) <= max_height:
        room += 1
    if max_lines is not None:
        room = min(room, max_lines)
    if room < len(lines):
        lines = lines[:room]
        if lines:
            lines[-1] = ellipsize(face, size, lines[-1], max_width)
    return lines


def place_lines(face: str, size: int, colour: tuple[int, int, int], lines: list[str],
                x: float, top: float) -> TextBlock:
    """Position lines left-aligned from (x, top) and compute their box."""
    ascent, _ = line_metrics(face, size)
    # Whole-pixel origins: with hinted advances every glyph then lands on a whole
    # pixel too, so the rasteriser can reuse one cached bitmap per glyph.
    placed = tuple(
        TextLine(text, round(x), round(top + ascent + i * line_height(size)), text_width(face, size, text))
        for i, text in enumerate(lines)
    )
    width = max((line.width for line in placed), default=0.0)
    return TextBlock(face, size, colour, placed, (x, top, x + width, top + block_height(face, size, len(lines))))
