"""The validated parameters of one card: the only input the renderer accepts."""

import re
import unicodedata
from dataclasses import dataclass, fields

from app.og import presets
from app.og.fonts import BASE_FAMILIES, DEFAULT_FAMILY, is_known_family
from app.og.palettes import THEMES

LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")


class ParamError(ValueError):
    """A parameter is out of its documented range; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CardParams:
    """Everything that decides a card's bytes (so everything its ETag hashes)."""

    seed: str
    aspect: str = "default"
    width: int | None = None
    height: int | None = None
    quote: str = ""
    author: str = ""
    shapes: int = presets.DEFAULT_SHAPES
    theme: str = "auto"
    format: str = "png"
    lang: str | None = None  # BCP 47 tag of the text: picks regional CJK forms and line-break rules
    layout: str = "quote"
    title: str = ""
    description: str = ""
    site: str = ""
    badge: str = ""
    font: str = DEFAULT_FAMILY  # base family: a bundled one, or a brand template's uploaded font
    brand: str = ""  # the template version a card is rendered from (app.og.templates.Brand.key)

    @property
    def size(self) -> tuple[int, int]:
        """Pixel size: the preset's, overridden by a custom width/height."""
        preset = presets.get_preset(self.aspect)
        return (self.width or preset.width, self.height or preset.height)

    def cache_key(self) -> str:
        """A stable text key for these params (ETag and cache input): every field, in declaration
        order, with the aspect by its canonical name and width/height as the size they resolve to
        (so an alias, or a custom size equal to the preset's, names the same card)."""
        values = []
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "aspect":
                value = presets.ALIASES.get(value, value)
            elif field.name == "width":
                value = self.size
            elif field.name == "height":
                continue  # in ``size`` with the width
            values.append(value)
        return repr(tuple(values))


def clean_text(text: str) -> str:
    """Turn characters XML forbids (controls, surrogates, U+FFFE/F) into spaces; keep newlines."""
    return "".join(
        ch if ch == "\n" or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff")
        else " "
        for ch in text.replace("\r\n", "\n")
    ).strip()


def _check_range(field: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise ParamError(field, f"must be between {low} and {high}")


def make_params(seed: str, **kwargs) -> CardParams:
    """Validate raw values against the documented bounds and return CardParams."""
    params = CardParams(seed=seed, **kwargs)
    if not 1 <= len(params.seed) <= presets.MAX_SEED:
        raise ParamError("seed", f"length must be between 1 and {presets.MAX_SEED}")
    if params.aspect not in presets.ASPECTS:
        raise ParamError("aspect", f"must be one of {', '.join(presets.ASPECTS)}")
    _check_range("width", params.width, presets.MIN_SIZE, presets.MAX_SIZE)
    _check_range("height", params.height, presets.MIN_SIZE, presets.MAX_SIZE)
    _check_range("shapes", params.shapes, 0, presets.MAX_SHAPES)
    width, height = params.size
    if width * height > presets.MAX_PIXELS:
        raise ParamError("width" if params.width else "height",
                         f"width × height is {width * height} pixels; at most {presets.MAX_PIXELS}")
    for field, limit in presets.TEXT_LIMITS.items():
        if len(getattr(params, field)) > limit:
            raise ParamError(field, f"length must be at most {limit}")
    if not is_known_family(params.font):
        raise ParamError("font", f"must be one of {', '.join(BASE_FAMILIES)}")
    if params.layout not in presets.LAYOUTS:
        raise ParamError("layout", f"must be one of {', '.join(presets.LAYOUTS)}")
    if params.theme not in THEMES and params.theme != "auto":
        raise ParamError("theme", f"must be one of auto, {', '.join(THEMES)}")
    if params.lang is not None and not LANGUAGE_TAG.fullmatch(params.lang):
        raise ParamError("lang", "must be a BCP 47 language tag such as ja, ar or zh-TW")
    if params.format not in presets.FORMATS:
        raise ParamError("format", f"must be one of {', '.join(presets.FORMATS)}")
    return CardParams(**{**params.__dict__, **{field: clean_text(getattr(params, field))
                                               for field in presets.TEXT_LIMITS}})
