"""Where a line may end: UAX #14 through ICU, plus the separators inside URLs.

ICU's line breaker follows UAX #14 and knows the dictionaries of the languages
written without spaces (Thai, Lao, Khmer, Burmese), so a Thai sentence breaks
between words and CJK between characters. URLs get extra opportunities after
`/`, `.`, `-` and the query separators, which UAX #14 does not give.
"""

import re
import sys
import threading
from collections.abc import Callable

import icu

from app.og.byte_cache import ByteCache
from app.og.itemize import grapheme_bounds, utf16_to_index

LINE_BREAK_SHARE = 0.03  # of the drawing caches' budget (OG_DRAWING_CACHE_BYTES)
INT_BYTES = 32  # an offset past the small ints Python shares

URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)
URL_BREAK_AFTER = "/.-?&=_#"

_local = threading.local()


def _line_breaker(language: str | None):
    breakers = getattr(_local, "lines", None)
    if breakers is None:
        breakers = _local.lines = {}
    key = (language or "").split("-")[0].lower() or "und"
    breaker = breakers.get(key)
    if breaker is None:
        breaker = breakers[key] = icu.BreakIterator.createLineInstance(icu.Locale(key))
    return breaker


@ByteCache("line_breaks", None, lambda offsets: sys.getsizeof(offsets) + INT_BYTES * len(offsets),
           share=LINE_BREAK_SHARE)
def break_opportunities(text: str, language: str | None) -> tuple[int, ...]:
    """Code point offsets after which a line may end, ascending; the last is len(text)."""
    if not text:
        return ()
    breaker = _line_breaker(language)
    breaker.setText(text)
    index = utf16_to_index(text)
    found = {b if index is None else index[b] for b in breaker}
    for match in URL.finditer(text):
        for offset in range(match.start() + 1, match.end() - 1):
            if text[offset] in URL_BREAK_AFTER and text[offset + 1] not in URL_BREAK_AFTER:
                found.add(offset + 1)
    found.add(len(text))
    return tuple(sorted(found))


def trim_end(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing whitespace (it hangs past the line's edge)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def wrap(text: str, language: str | None, width: Callable[[int, int], float],
         max_width: float) -> list[tuple[int, int]]:
    """Greedy lines [start, end) of one paragraph; a too-long word is split between graphemes."""
    lines: list[tuple[int, int]] = []
    start, fitted = 0, None
    breaks = break_opportunities(text, language)
    i = 0
    while i < len(breaks):
        end = breaks[i]
        if width(start, trim_end(text, start, end)) <= max_width:
            fitted, i = end, i + 1
            continue
        if fitted is not None:  # the line so far fits: end it at the last opportunity
            lines.append((start, trim_end(text, start, fitted)))
            start, fitted = fitted, None
            continue
        # Not even one word fits: split it between grapheme clusters, the last resort.
        pieces = _split(text, start, trim_end(text, start, end), width, max_width)
        lines.extend(pieces[:-1])
        start = pieces[-1][0]
        fitted = end if width(start, trim_end(text, start, end)) <= max_width else None
        if fitted is None:
            lines.append(pieces[-1])
            start = end
        i += 1
    if fitted is not None and trim_end(text, start, fitted) > start:
        lines.append((start, trim_end(text, start, fitted)))
    return lines


def _split(text: str, start: int, end: int, width, max_width: float) -> list[tuple[int, int]]:
    pieces, piece_start, last = [], start, start
    for bound in grapheme_bounds(text[start:end]):
        bound += start
        if last > piece_start and width(piece_start, bound) > max_width:
            pieces.append((piece_start, last))
            piece_start = last
        last = bound
    pieces.append((piece_start, end))
    return pieces
