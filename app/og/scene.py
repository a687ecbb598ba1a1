"""One scene description per card, built deterministically from its parameters.

The SVG writer and the rasteriser both draw this and only this, so the two
outputs share every coordinate.
"""

import functools
from dataclasses import dataclass

from app.og import layout
from app.og.art import SeededStream, Shape, make_shapes
from app.og.itemize import itemize
from app.og.layouts import AUTHOR_PREFIX, COMPOSERS, CardText, LogoBox, Rect
from app.og.palettes import THEMES, Colour, Theme
from app.og.params import CardParams


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    theme: str
    background: tuple[Colour, Colour]  # diagonal gradient, top-left → bottom-right
    shapes: tuple[Shape, ...]
    rects: tuple[Rect, ...]  # panels, bars and badges, drawn in order over the shapes
    texts: tuple[layout.TextBlock, ...]
    title: str  # the text the card shows, for accessibility
    logo: LogoBox | None = None

    @property
    def missing_scripts(self) -> tuple[str, ...]:
        """Scripts of the card's text that no shipped font could draw (shown as U+FFFD)."""
        return tuple(sorted(frozenset().union(*(block.missing for block in self.texts))))


def card_text(params: CardParams) -> CardText:
    return CardText(params.quote, params.author, params.title, params.description, params.site,
                    params.badge, params.lang, params.font)


def missing_scripts(params: CardParams) -> tuple[str, ...]:
    """Scripts of the card's text that no shipped font has (the card shows U+FFFD for them)."""
    found: set[str] = set()
    text = card_text(params)
    for value, font in ((params.quote, text.lead), (params.title, text.lead), (params.badge, text.lead),
                        (params.author, text.secondary), (params.description, text.secondary),
                        (params.site, text.secondary)):
        for paragraph in value.split("\n") if value else ():
            found |= itemize(paragraph, font, params.lang).missing
    return tuple(sorted(found))


def _pick_theme(stream: SeededStream, name: str) -> Theme:
    # Always the stream's first draw, so resolve_theme() can replay it alone.
    return THEMES[name] if name != "auto" else stream.pick(tuple(THEMES.values()))


def resolve_theme(params: CardParams) -> str:
    """The theme a card uses: its template's, the named one, or the one its seed picks for `auto`."""
    if params.brand:
        return "template:" + params.brand.split("#")[0]
    return params.theme if params.theme != "auto" else _auto_theme(params.seed)


@functools.lru_cache(maxsize=4096)  # every tracked request asks; cached cards are asked again and again
def _auto_theme(seed: str) -> str:
    return _pick_theme(SeededStream("og-scene-v1", seed), "auto").name


def _title(params: CardParams) -> str:
    parts = (params.badge, params.title, params.quote, AUTHOR_PREFIX + params.author if params.author else "",
             params.description, params.site)
    return " ".join(part for part in parts if part) or params.seed


def build_scene(params: CardParams, brand: Theme | None = None, logo=None) -> Scene:
    """The full scene for validated params (a brand's colours and logo replace the theme's); same params → equal scene."""
    width, height = params.size
    stream = SeededStream("og-scene-v1", params.seed)
    theme = _pick_theme(stream, params.theme)
    theme = brand or theme  # the stream drew the theme either way: the art stays the seed's
    background = theme.background if stream.uniform(0, 1) < 0.5 else theme.background[::-1]
    shapes = make_shapes(stream, theme, width, height, params.shapes)
    composition = COMPOSERS[params.layout](card_text(params), theme, width, height, logo)
    return Scene(width, height, theme.name, background, shapes, composition.rects, composition.texts,
                 _title(params), composition.logo)
