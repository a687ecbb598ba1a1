"""A paragraph → runs of one face, one bidi level and one script.

Clusters are grapheme clusters (ICU), so a base letter, its marks and an emoji
ZWJ sequence always go to one face. Each cluster takes the first face of its
fallback chain that has every one of its characters: the family its script
asks for, then the others in order. A cluster no face has becomes one
U+FFFD, drawn visibly, and its script is recorded as missing. Levels come
from ICU's Unicode Bidirectional Algorithm.
"""

import sys
import threading
from dataclasses import dataclass

import icu
from fontTools import unicodedata as ucd

from app.og.byte_cache import ByteCache
from app.og.fonts import REPLACEMENT, SCRIPT_FAMILIES, chain, face_key, get_face

# Shares of the drawing caches' budget (OG_DRAWING_CACHE_BYTES), and what the entries hold.
CLUSTER_SHARE = 0.03
ITEMIZED_SHARE = 0.04
PARAGRAPH_BYTES = 200  # the object and its attributes
RUN_BYTES = 184  # a Run and its two offsets
COMMON_SCRIPTS = ("Zyyy", "Zinh", "Zzzz")
# Characters a face need not map: joiners, selectors and bidi controls (HarfBuzz hides them).
IGNORABLE = frozenset((0x200C, 0x200D, 0x200E, 0x200F, *range(0xFE00, 0xFE10), *range(0x202A, 0x202F),
                       *range(0x2066, 0x206A), *range(0xE0020, 0xE0080), *range(0xE0100, 0xE01F0)))


@dataclass(frozen=True)
class Run:
    """Characters [start, end) of a paragraph drawn with one face at one bidi level."""

    start: int
    end: int
    face: str
    level: int
    script: str | None  # ISO 15924, for HarfBuzz; None for text of no particular script


@dataclass(frozen=True)
class Paragraph:
    text: str  # with U+FFFD for clusters no face has
    level: int  # 0 left-to-right, 1 right-to-left (from the first strong character)
    runs: tuple[Run, ...]
    language: str | None
    missing: frozenset[str]  # names of the scripts whose characters no face has

    @property
    def is_rtl(self) -> bool:
        return self.level % 2 == 1


_local = threading.local()  # ICU iterators are not thread-safe: one set per thread


def _character_breaker():
    breaker = getattr(_local, "characters", None)
    if breaker is None:
        breaker = _local.characters = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    return breaker


def utf16_to_index(text: str) -> list[int] | None:
    """Code point index of every UTF-16 offset (None when the text is all BMP: they are equal)."""
    if text.isascii() or all(ord(ch) < 0x10000 for ch in text):
        return None
    index = []
    for i, ch in enumerate(text):
        index.append(i)
        if ord(ch) >= 0x10000:
            index.append(i)
    index.append(len(text))
    return index


def grapheme_bounds(text: str) -> list[int]:
    """Code point offsets where grapheme clusters end (the last is len(text))."""
    if not text:
        return []
    breaker = _character_breaker()
    breaker.setText(text)
    index = utf16_to_index(text)
    return [b if index is None else index[b] for b in breaker]


def cjk_region(text: str, language: str | None) -> str:
    """Which regional CJK forms: kana or hangul in the text decide, then the language tag."""
    for ch in text:
        script = ucd.script(ch)
        if script in ("Hira", "Kana"):
            return "ja"
        if script == "Hang":
            return "ko"
    tag = (language or "").lower().replace("_", "-")
    if tag.startswith("ja"):
        return "ja"
    if tag.startswith("ko"):
        return "ko"
    if tag in ("zh-hk", "zh-mo", "zh-hant-hk"):
        return "zh-hk"
    if tag.startswith(("zh-tw", "zh-hant")):
        return "zh-hant"
    return "zh-hans"


def _is_emoji(cluster: str) -> bool:
    cps = [ord(ch) for ch in cluster]
    return cps[0] >= 0x1F000 or any(cp in (0xFE0F, 0x20E3, 0x200D) for cp in cps)


@ByteCache("clusters", None, sys.getsizeof, share=CLUSTER_SHARE)
def face_for(cluster: str, script: str | None, font: str, region: str) -> str | None:
    """The first face of the chain with every character of the cluster, or None.

    `font` is the card's base face (family-weight): its family is tried first for
    text of no dedicated family, its weight is used throughout.
    """
    base, weight = font.split("-")
    codepoints = [ord(ch) for ch in cluster if ord(ch) not in IGNORABLE] or [ord(cluster[0])]
    preferred = ["emoji"] if _is_emoji(cluster) else []
    if script in SCRIPT_FAMILIES:
        preferred.append(SCRIPT_FAMILIES[script])
    for family in dict.fromkeys(preferred + list(chain(base))):
        key = face_key(family, weight, region)
        if get_face(key).covers(codepoints):
            return key
    return None


def _cluster_script(cluster: str) -> str | None:
    for ch in cluster:
        script = ucd.script(ch)
        if script not in COMMON_SCRIPTS:
            return script
    return None


def _clusters(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, script) per grapheme cluster; common characters take their neighbours' script."""
    spans, start = [], 0
    for end in grapheme_bounds(text):
        spans.append([start, end, _cluster_script(text[start:end])])
        start = end
    previous = None
    for span in spans:
        previous = span[2] = span[2] or previous
    following = None
    for span in reversed(spans):
        following = span[2] = span[2] or following
    return [tuple(span) for span in spans]


def _levels(text: str) -> tuple[int, list[int]]:
    """Paragraph level and the bidi level of every code point."""
    if not text:
        return 0, []
    string = icu.UnicodeString(text)  # setPara keeps a pointer to it: keep it alive meanwhile
    bidi = icu.Bidi()
    bidi.setPara(string, icu.Bidi.DEFAULT_LTR)
    levels = bidi.getLevels()
    base = bidi.getParaLevel()
    index = utf16_to_index(text)
    if index is None:
        return base, list(levels)
    per_char = [0] * len(text)
    for offset, level in enumerate(levels):
        per_char[index[offset]] = level
    return base, per_char


def paragraph_bytes(paragraph: Paragraph) -> int:
    """What an itemized paragraph holds (its text too, though usually shared with the caller)."""
    return (PARAGRAPH_BYTES + sys.getsizeof(paragraph.text) + sys.getsizeof(paragraph.runs)
            + RUN_BYTES * len(paragraph.runs))


@ByteCache("itemized", None, paragraph_bytes, share=ITEMIZED_SHARE)
def itemize(text: str, font: str, language: str | None) -> Paragraph:
    """Runs of one paragraph (no newlines) set in `font` (family-weight) and its fallbacks."""
    region = cjk_region(text, language)
    missing, parts = set(), []
    for start, end, script in _clusters(text):
        cluster = text[start:end]
        if face_for(cluster, script, font, region) is None:
            missing.add(ucd.script_name(script or _cluster_script(cluster) or "Zzzz"))
            parts.append(REPLACEMENT)
        else:
            parts.append(cluster)
    if missing:
        text = "".join(parts)
    base, levels = _levels(text)
    runs: list[Run] = []
    for start, end, script in _clusters(text):
        face = face_for(text[start:end], script, font, region) or font
        level = levels[start]
        last = runs[-1] if runs else None
        if last and (last.face, last.level, last.script) == (face, level, script):
            runs[-1] = Run(last.start, end, face, level, script)
        else:
            runs.append(Run(start, end, face, level, script))
    return Paragraph(text, base, tuple(runs), language, frozenset(missing))
