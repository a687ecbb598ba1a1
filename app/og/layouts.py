"""The four card layouts: quote, article, announcement and plain.

Each takes the card's text, theme and size (and a brand's logo) and returns
the rectangles, text blocks and logo placement of its scene. Sizes are
fractions of one type scale, so every preset and custom size gets the same
proportions, with legible floors.
"""

import math
from dataclasses import dataclass

from app.og import fitting, layout
from app.og.fitting import TextItem
from app.og.fonts import DEFAULT_FAMILY
from app.og.palettes import Colour, Theme

AUTHOR_PREFIX = "— "
# Legible floors, as fractions of min(width, 1.6 × height) (1008 px at 1200×630):
TITLE_FLOOR = 0.04  # 40 px at 1200×630; a longer text is cut with … rather than shrunk
SECONDARY_FLOOR = 0.028  # 28 px at 1200×630 (author, description, site, badge)
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
class LogoBox:
    """Where a brand's logo goes, in whole pixels; `logo` is the template's logo (app.og.logos.Logo)."""

    logo: object
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class CardText:
    """The text parameters every layout reads (already validated and cleaned)."""

    quote: str = ""
    author: str = ""
    title: str = ""
    description: str = ""
    site: str = ""
    badge: str = ""
    language: str | None = None
    family: str = DEFAULT_FAMILY  # the base font family (bundled, or a brand's upload)

    @property
    def lead(self) -> str:
        return f"{self.family}-bold"

    @property
    def secondary(self) -> str:
        return f"{self.family}-regular"


@dataclass(frozen=True)
class Composition:
    rects: tuple[Rect, ...] = ()
    texts: tuple[layout.TextBlock, ...] = ()
    logo: LogoBox | None = None


def type_scale(width: int, height: int) -> float:
    """The length every text size is a fraction of."""
    return min(width, height * 1.6)


def _sizes(width: int, height: int, ceiling: float = TITLE_CEILING) -> tuple[int, int, int]:
    scale = type_scale(width, height)
    low = max(8, round(scale * TITLE_FLOOR))
    return low, max(low, round(scale * ceiling)), max(8, round(scale * SECONDARY_FLOOR))


def _fit_logo(logo, x: float, y: float, box_height: float) -> LogoBox | None:
    if logo is None or box_height < 4:
        return None
    height = round(box_height)
    width = max(1, round(height * logo.width / logo.height))
    return LogoBox(logo, round(x), round(y), width, height)


def _empty(width: int, height: int) -> bool:
    return width < 32 or height < 32


def compose_quote(text: CardText, theme: Theme, width: int, height: int, logo=None) -> Composition:
    """Today's card: the quote (or title) and its author in a panel with an accent bar, centred."""
    short = min(width, height)
    margin, pad = round(short * 0.08), round(short * 0.05)
    bar_width = max(2, round(short * 0.008))
    text_x = margin + pad + bar_width * 4
    max_w, max_h = width - text_x - margin - pad, height - 2 * (margin + pad)
    lead = text.quote or text.title
    author = AUTHOR_PREFIX + text.author if text.author else ""
    if max_w < 16 or max_h < 8 or not (lead or author):
        return Composition()
    low, high, floor = _sizes(width, height)
    items = [TextItem(lead, text.lead, theme.text), TextItem(author, text.secondary, theme.accent, 0.55, floor, 2)]
    size, fitted = fitting.fit_stack(items, low, high, max_w, max_h, text.language)
    if not any(f.lines for f in fitted):
        return Composition()
    content_h = fitting.stack_height(fitted, size)
    top = round((height - content_h) / 2, 2)
    blocks = fitting.place_stack(fitted, size, text_x, top, max_w)
    right = max(b.box[2] for b in blocks)
    x1 = right + pad
    shift = round((width - margin - x1) / 2)  # centre the panel horizontally
    blocks = [layout.shift_block(b, shift) for b in blocks]
    # Whole-pixel panel and bar: straight edges need no anti-aliasing, only corners.
    panel = Rect(margin + shift, math.floor(top - pad), math.ceil(x1) + shift, math.ceil(top + content_h + pad),
                 round(pad * 0.6), theme.panel, theme.panel_opacity)
    bar_x = margin + pad + shift
    bar = Rect(bar_x, round(top), bar_x + bar_width, round(top + content_h), bar_width // 2, theme.accent, 1.0)
    return Composition((panel, bar), tuple(blocks))


def compose_article(text: CardText, theme: Theme, width: int, height: int, logo=None) -> Composition:
    """A blog post's card: site and logo on top, title, description, byline at the foot."""
    if _empty(width, height):
        return Composition()
    short = min(width, height)
    margin, pad = round(short * 0.06), round(short * 0.07)
    low, high, floor = _sizes(width, height)
    x0, y0, x1, y1 = margin, margin, width - margin, height - margin
    inner_w = x1 - x0 - 2 * pad
    panel = Rect(x0, y0, x1, y1, round(pad * 0.4), theme.panel, theme.panel_opacity)
    stripe_h = max(2, round(short * 0.012))
    stripe = Rect(x0, y1 - stripe_h, x1, y1, 0, theme.accent, 1.0)
    top, blocks = y0 + pad, []
    head_h = round(floor * 1.5)
    logo_box = _fit_logo(logo, x0 + pad, top, head_h)
    if text.site:
        site_x = x0 + pad + (logo_box.width + round(floor * 0.6) if logo_box else 0)
        lines = layout.fit_lines(text.site, text.secondary, floor, x1 - pad - site_x, head_h, 1, text.language)
        site = layout.place_lines(text.secondary, floor, theme.accent, lines, site_x,
                                  top + (head_h - layout.block_height(text.secondary, floor, 1)) / 2)
        blocks.append(site)
    if logo_box or text.site:
        top += head_h + round(floor * 0.8)
    byline = text.author
    foot_h = layout.block_height(text.secondary, floor, 1) if byline else 0
    room = y1 - stripe_h - pad - top - (foot_h + round(floor * 0.8) if byline else 0)
    items = [TextItem(text.title or text.quote, text.lead, theme.text, max_lines=3),
             TextItem(text.description, text.secondary, theme.text, 0.6, floor, 3)]
    size, fitted = fitting.fit_stack(items, low, high, inner_w, max(room, 1), text.language)
    blocks += fitting.place_stack(fitted, size, x0 + pad, top, inner_w)
    if byline:
        lines = layout.fit_lines(byline, text.secondary, floor, inner_w, foot_h, 1, text.language)
        blocks.append(layout.place_lines(text.secondary, floor, theme.accent, lines, x0 + pad,
                                         y1 - stripe_h - pad - foot_h))
    return Composition((panel, stripe), tuple(blocks), logo_box)


def compose_announcement(text: CardText, theme: Theme, width: int, height: int, logo=None) -> Composition:
    """A launch or event: a badge, a large centred title, site and logo at the foot."""
    if _empty(width, height):
        return Composition()
    short = min(width, height)
    margin = round(short * 0.09)
    low, high, floor = _sizes(width, height, TITLE_CEILING * 1.3)
    inner_w = width - 2 * margin
    rects, blocks, top = [], [], margin
    if text.badge:
        lines = layout.fit_lines(text.badge, text.lead, floor, inner_w * 0.8, floor * 2, 1, text.language)
        badge = layout.place_lines(text.lead, floor, theme.panel, lines, 0, 0)
        pad_x, pad_y = round(floor * 0.8), round(floor * 0.35)
        badge_w = badge.box[2] - badge.box[0]
        bx = round((width - badge_w) / 2)
        badge = layout.shift_block(badge, bx, top + pad_y)
        badge_h = round(badge.box[3] - badge.box[1]) + 2 * pad_y
        rects.append(Rect(bx - pad_x, top, math.ceil(bx + badge_w + pad_x), top + badge_h, badge_h // 2,
                          theme.accent, 1.0))
        blocks.append(badge)
        top += badge_h + round(floor * 0.9)
    foot_h = round(floor * 1.6) if (logo or text.site) else 0
    bottom = height - margin - foot_h - (round(floor * 0.9) if foot_h else 0)
    items = [TextItem(text.title or text.quote, text.lead, theme.text, max_lines=4),
             TextItem(text.description, text.secondary, theme.text, 0.5, floor, 2)]
    size, fitted = fitting.fit_stack(items, low, high, inner_w, max(bottom - top, 1), text.language)
    stack_h = fitting.stack_height(fitted, size)
    blocks += fitting.place_stack(fitted, size, margin, top + (bottom - top - stack_h) / 2, inner_w, "center")
    logo_box = None
    if foot_h:
        site_lines = layout.fit_lines(text.site, text.secondary, floor, inner_w * 0.7, foot_h, 1,
                                      text.language) if text.site else []
        site_w = max((line.width() * floor for line in site_lines), default=0.0)
        logo_w = round(foot_h * logo.width / logo.height) if logo else 0
        gap = round(floor * 0.6) if logo and site_lines else 0
        x = (width - logo_w - gap - site_w) / 2
        foot_top = height - margin - foot_h
        logo_box = _fit_logo(logo, x, foot_top, foot_h)
        if site_lines:
            blocks.append(layout.place_lines(text.secondary, floor, theme.accent, site_lines, round(x + logo_w + gap, 2),
                                             foot_top + (foot_h - layout.block_height(text.secondary, floor, 1)) / 2))
    return Composition(tuple(rects), tuple(blocks), logo_box)


def compose_plain(text: CardText, theme: Theme, width: int, height: int, logo=None) -> Composition:
    """The title, centred over the art on a translucent band."""
    if _empty(width, height):
        return Composition()
    margin = round(min(width, height) * 0.1)
    low, high, floor = _sizes(width, height, TITLE_CEILING * 1.2)
    items = [TextItem(text.title or text.quote, text.lead, theme.text, max_lines=4),
             TextItem(text.description or text.site, text.secondary, theme.text, 0.5, floor, 2)]
    inner_w, inner_h = width - 2 * margin, height - 2 * margin
    size, fitted = fitting.fit_stack(items, low, high, inner_w, inner_h, text.language)
    if not any(f.lines for f in fitted):
        return Composition()
    stack_h = fitting.stack_height(fitted, size)
    top = (height - stack_h) / 2
    blocks = fitting.place_stack(fitted, size, margin, top, inner_w, "center")
    pad = round(size * 0.5)
    band = Rect(0, math.floor(top - pad), width, math.ceil(top + stack_h + pad), 0, theme.panel,
                theme.panel_opacity * 0.7)
    return Composition((band,), tuple(blocks))


COMPOSERS = {"quote": compose_quote, "article": compose_article,
             "announcement": compose_announcement, "plain": compose_plain}
