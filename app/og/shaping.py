"""Shaped text in em units: measure any range of a paragraph, lay out one line.

A paragraph is shaped once, run by run, in font units; every size scales
the same numbers. A line is shaped again over exactly its characters (the
paragraph stays the context, so Arabic letters join across the cut) and its
runs are put in visual order by rule L2 of the bidi algorithm.
"""

import sys
from dataclasses import dataclass
from itertools import accumulate

from app.og.byte_cache import ByteCache
from app.og.fonts import get_face
from app.og.itemize import Paragraph, Run, itemize, paragraph_bytes

ELLIPSIS = "…"
# Shares of the drawing caches' budget (OG_DRAWING_CACHE_BYTES), and what the entries hold.
SHAPED_RUN_SHARE = 0.08
PARAGRAPH_SHARE = 0.04
SHAPED_GLYPH_BYTES = 176  # a 5-tuple and its two or three ints past the small ones Python shares
SHAPED_PARAGRAPH_BYTES = 400  # the object and its attributes
FLOAT_BYTES = 32


@dataclass(frozen=True)
class PlacedGlyph:
    """One glyph: its face, glyph id, the character it came from and its origin in em (y down)."""

    face: str
    gid: int
    cluster: int
    x: float
    y: float


@dataclass(frozen=True)
class ShapedLine:
    glyphs: tuple[PlacedGlyph, ...]
    width: float  # advance width in em


@ByteCache("shaped_runs", None, lambda glyphs: sys.getsizeof(glyphs) + SHAPED_GLYPH_BYTES * len(glyphs),
           share=SHAPED_RUN_SHARE)
def _shape(face: str, text: str, start: int, end: int, level: int, script: str | None,
           language: str | None):
    return get_face(face).shape(text, start, end, "rtl" if level % 2 else "ltr", script, language)


def _visual_order(runs: list[Run]) -> list[Run]:
    """Rule L2: from the highest level down to the lowest odd one, reverse every sequence at or above it."""
    if not runs:
        return runs
    order = list(runs)
    highest = max(run.level for run in runs)
    lowest_odd = min((run.level for run in runs if run.level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i].level >= level:
                j = i
                while j < len(order) and order[j].level >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


class ShapedParagraph:
    """A paragraph's runs shaped in font units, with per-character advances for measuring."""

    def __init__(self, paragraph: Paragraph, font: str):
        self.paragraph = paragraph
        self.font = font
        advances = [0.0] * len(paragraph.text)
        for run in paragraph.runs:
            face = get_face(run.face)
            for _gid, cluster, x_advance, _dx, _dy in self._run_glyphs(run, run.start, run.end):
                advances[cluster] += x_advance / face.upem
        self._edges = [0.0, *accumulate(advances)]

    def _run_glyphs(self, run: Run, start: int, end: int):
        p = self.paragraph
        return _shape(run.face, p.text, start, end, run.level, run.script, p.language)

    def width(self, start: int, end: int) -> float:
        """Advance of characters [start, end) in em (ligatures and kerning at the cut aside)."""
        return self._edges[end] - self._edges[start]

    def line(self, start: int, end: int, ellipsis: bool = False) -> ShapedLine:
        """Characters [start, end) shaped and placed left to right from x = 0."""
        p = self.paragraph
        pieces = [(Run(max(r.start, start), min(r.end, end), r.face, r.level, r.script), False)
                  for r in p.runs if r.start < end and r.end > start]
        if ellipsis:
            last = pieces[-1][0].face if pieces else self.font
            face = last if get_face(last).covers([ord(ELLIPSIS)]) else self.font
            pieces.append((Run(0, 1, face, p.level, None), True))
        marks = {id(run): is_mark for run, is_mark in pieces}
        glyphs, x = [], 0.0
        for run in _visual_order([run for run, _ in pieces]):
            face = get_face(run.face)
            shaped = (_shape(run.face, ELLIPSIS, 0, 1, run.level, None, None) if marks[id(run)]
                      else self._run_glyphs(run, run.start, run.end))
            for gid, cluster, x_advance, dx, dy in shaped:
                glyphs.append(PlacedGlyph(run.face, gid, -1 if marks[id(run)] else cluster,
                                          x + dx / face.upem, -dy / face.upem))
                x += x_advance / face.upem
        return ShapedLine(tuple(glyphs), x)


def _shaped_paragraph_bytes(shaped: ShapedParagraph) -> int:
    edges = shaped._edges
    return (SHAPED_PARAGRAPH_BYTES + paragraph_bytes(shaped.paragraph) + sys.getsizeof(edges)
            + FLOAT_BYTES * len(edges))


@ByteCache("paragraphs", None, _shaped_paragraph_bytes, share=PARAGRAPH_SHARE)
def shape_paragraph(text: str, font: str, language: str | None) -> ShapedParagraph:
    """The shaped paragraph, shared by every size and every request with the same text and font."""
    return ShapedParagraph(itemize(text, font, language), font)
