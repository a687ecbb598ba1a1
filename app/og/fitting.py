"""A stack of text items fitted into a box: the largest lead size that fits, floors kept.

Every layout is a stack: a lead text (the quote or the title) and secondary
texts sized relative to it. The lead size is searched between the card's
floor and ceiling; past the floor nothing shrinks further: the secondary
texts keep one line each and the lead is cut with "…".
"""

from dataclasses import dataclass

from app.og import layout
from app.og.palettes import Colour

GAP = 0.55  # between two items, in lead sizes


@dataclass(frozen=True)
class TextItem:
    text: str
    font: str
    colour: Colour
    ratio: float = 1.0  # size relative to the lead (1.0 is the lead itself)
    floor: int = 8  # never smaller than this, in pixels
    max_lines: int | None = None


@dataclass(frozen=True)
class FittedItem:
    item: TextItem
    size: int
    lines: list


def item_size(item: TextItem, lead: int) -> int:
    return max(item.floor, round(lead * item.ratio))


def _gaps(fitted: list[FittedItem], lead: int) -> float:
    return round(lead * GAP, 2) * max(0, sum(1 for f in fitted if f.lines) - 1)


def stack_height(fitted: list[FittedItem], lead: int) -> float:
    return sum(layout.block_height(f.item.font, f.size, len(f.lines)) for f in fitted) + _gaps(fitted, lead)


def _wrap_at(items: list[TextItem], lead: int, width: float, height: float, language):
    fitted = []
    for item in items:
        size = item_size(item, lead)
        if item.ratio == 1.0:
            lines = layout.wrap_text(item.text, item.font, size, width, language) if item.text else []
            if item.max_lines is not None and len(lines) > item.max_lines:
                lines = layout.fit_lines(item.text, item.font, size, width, height, item.max_lines, language)
        else:
            lines = layout.fit_lines(item.text, item.font, size, width, height, item.max_lines,
                                     language) if item.text else []
        fitted.append(FittedItem(item, size, lines))
    return fitted


def fit_stack(items: list[TextItem], low: int, high: int, width: float, height: float,
              language: str | None) -> tuple[int, list[FittedItem]]:
    """(lead size, the items' lines) for the largest lead size in [low, high] that fits the box."""
    fitted = _wrap_at(items, low, width, height, language)
    if stack_height(fitted, low) <= height:
        while low < high:  # binary search for the largest fitting size
            mid = (low + high + 1) // 2
            if stack_height(_wrap_at(items, mid, width, height, language), mid) <= height:
                low = mid
            else:
                high = mid - 1
        return low, _wrap_at(items, low, width, height, language)
    # At the floor and still too tall: secondary items keep one line, the lead takes what is left.
    short = [FittedItem(f.item, f.size, layout.fit_lines(f.item.text, f.item.font, f.size, width, height,
                                                          1, language) if f.item.text else [])
             if f.item.ratio != 1.0 else f for f in fitted]
    others = [f for f in short if f.item.ratio != 1.0]
    room = height - stack_height(others, low) - (round(low * GAP, 2) if any(f.lines for f in others) else 0)
    result = []
    for f in short:
        if f.item.ratio == 1.0:
            lines = layout.fit_lines(f.item.text, f.item.font, f.size, width, room, f.item.max_lines,
                                     language) if f.item.text else []
            f = FittedItem(f.item, f.size, lines)
        result.append(f)
    return low, result


def place_stack(fitted: list[FittedItem], lead: int, x: float, top: float, width: float,
                align: str = "start") -> list[layout.TextBlock]:
    """Blocks top to bottom from (x, top), sharing one column so their alignment agrees."""
    blocks, y = [], top
    column = width if align == "center" else max(
        (line.width() * f.size for f in fitted for line in f.lines), default=0.0)
    for f in fitted:
        if not f.lines:
            continue
        block = layout.place_lines(f.item.font, f.size, f.item.colour, f.lines, x, y, column, align)
        blocks.append(block)
        y = block.box[3] + round(lead * GAP, 2)
    return blocks
