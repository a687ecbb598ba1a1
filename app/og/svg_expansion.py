"""How much an SVG becomes once its references are followed, bounded before anything draws it.

A ``<use>`` draws the element it names again, and ``mask``/``clip-path``/a
gradient ``url(#…)`` draws the element it names for each element that refers
to it: ten levels of ten ``<use>`` each are 10¹⁰ elements in a 2 KB file. The
count here follows every reference (each counted once per place it is drawn,
memoized per element so the count itself stays cheap), and a chain of
references deeper than ``MAX_REFERENCE_DEPTH``, or a reference to itself, is
refused.
"""

import re
import xml.etree.ElementTree as ET

MAX_EXPANDED_ELEMENTS = 20_000
MAX_REFERENCE_DEPTH = 8  # use → symbol → mask → …, each hop one level
XLINK = "{http://www.w3.org/1999/xlink}href"
LOCAL_REFERENCE = re.compile(r"url\(\s*#([\w.-]+)\s*\)")


class ExpansionRefused(Exception):
    """The SVG expands past a bound; the message names it."""


def _references(element: ET.Element) -> list[str]:
    names = []
    for name, value in element.attrib.items():
        if name in ("href", XLINK) and value.startswith("#"):
            names.append(value[1:])
        else:
            names.extend(LOCAL_REFERENCE.findall(value))
    return names


def check_expansion(root: ET.Element) -> int:
    """The number of elements ``root`` draws with its references followed; ExpansionRefused past the bounds."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    done: dict[int, tuple[int, int]] = {}  # element → (elements drawn, reference depth below it)
    drawing: set[int] = set()

    def expand(element: ET.Element, chain: int) -> tuple[int, int]:
        key = id(element)
        if key in done:
            count, below = done[key]
            if chain + below > MAX_REFERENCE_DEPTH:
                raise ExpansionRefused(f"nests references (use, mask, clip-path) deeper than {MAX_REFERENCE_DEPTH}")
            return done[key]
        if key in drawing:
            raise ExpansionRefused("refers to itself (a use, mask or clip-path cycle)")
        drawing.add(key)
        count, below = 1, 0
        for child in element:
            child_count, child_below = expand(child, chain)
            count, below = count + child_count, max(below, child_below)
        for name in _references(element):
            target = by_id.get(name)
            if target is None:
                continue
            if chain + 1 > MAX_REFERENCE_DEPTH:
                raise ExpansionRefused(f"nests references (use, mask, clip-path) deeper than {MAX_REFERENCE_DEPTH}")
            target_count, target_below = expand(target, chain + 1)
            count, below = count + target_count, max(below, target_below + 1)
        if count > MAX_EXPANDED_ELEMENTS:
            raise ExpansionRefused(f"draws more than {MAX_EXPANDED_ELEMENTS} elements once its references "
                                   "are followed")
        drawing.discard(key)
        done[key] = (count, below)
        return count, below

    return expand(root, 0)[0]
