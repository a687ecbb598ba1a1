"""Query and response schemas of the OG endpoints (they make the OpenAPI document)."""

import base64
import binascii
import copy

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing
from marshmallow.validate import Length, OneOf, Range

from app.og import presets
from app.og.font_uploads import MAX_FONT_BYTES
from app.og.fonts import BASE_FAMILIES, DEFAULT_FAMILY
from app.og.logos import MAX_LOGO_BYTES, MAX_LOGO_SIDE
from app.og.palettes import THEMES
from app.og.params import LANGUAGE_TAG
from app.og.templates import HEX, NAME
from app.security.bounded import Integer

THEME_NAMES = ("auto", *THEMES)
MAX_PAGE = 200


def _int(low: int, high: int, description: str, **kwargs) -> fields.Integer:
    return Integer(
        validate=Range(low, high, error="must be between {min} and {max}"),
        error_messages={"invalid": f"must be an integer between {low} and {high}"},
        metadata={"description": description}, **kwargs)


def _choice(choices, default: str, description: str) -> fields.String:
    return fields.String(load_default=default, validate=OneOf(choices, error="must be one of {choices}"),
                         metadata={"description": description})


def _text(field: str, description: str) -> fields.String:
    limit = presets.TEXT_LIMITS[field]
    return fields.String(load_default="", validate=Length(max=limit, error="length must be at most {max}"),
                         metadata={"description": f"{description}; at most {limit} characters"})


class CardOptionsSchema(Schema):
    """Everything but the seed and the format (the path form takes those from the URL)."""

    class Meta:
        unknown = EXCLUDE  # crawlers and links add utm_* and cache-busters

    aspect = _choice(presets.ASPECTS, "default", "Preset size: " + ", ".join(
        f"{p.name} {p.width}×{p.height}" for p in presets.PRESETS.values()) + "; x = twitter")
    layout = _choice(presets.LAYOUTS, "quote", "quote (a quote and its author), article (site, title, "
                     "description, byline), announcement (badge, large title, site) or plain (title over the art)")
    quote = _text("quote", "Quote text, wrapped and fitted to the card (the quote layout)")
    author = _text("author", "Shown below the quote; the byline of an article")
    title = _text("title", "Headline of the article, announcement and plain layouts")
    description = _text("description", "Secondary text below the title")
    site = _text("site", "Site or brand name")
    badge = _text("badge", "Tag line in a pill above an announcement's title")
    width = _int(presets.MIN_SIZE, presets.MAX_SIZE, "Custom width in pixels (overrides the preset)")
    height = _int(presets.MIN_SIZE, presets.MAX_SIZE, "Custom height in pixels (overrides the preset)")
    shapes = _int(0, presets.MAX_SHAPES, "How many generative shapes", load_default=presets.DEFAULT_SHAPES)
    theme = _choice(THEME_NAMES, "auto", "Colour theme; auto lets the seed choose")
    font = _choice(BASE_FAMILIES, DEFAULT_FAMILY, "Font family of Latin, Greek and Cyrillic text "
                   "(other scripts always use their Noto family)")
    lang = fields.String(validate=Length(max=35, error="length must be at most {max}"),
                         metadata={"description": "BCP 47 language of the text (ja, ko, zh-TW, ar…): "
                                   "regional CJK glyph forms and line-break rules",
                                   "pattern": f"^{LANGUAGE_TAG.pattern}$"})
    sig = fields.String(load_only=True, validate=Length(max=64, error="length must be at most {max}"),
                        metadata={"description": "The URL's signature, when the operator requires signed "
                                  "card URLs (OG_SIGNING_KEYS): HMAC-SHA256 over the path and the canonical "
                                  "query, base64url (docs/og.md)"})


class CardQuerySchema(CardOptionsSchema):
    seed = fields.String(required=True, validate=Length(1, presets.MAX_SEED,
                         error="length must be between {min} and {max}"),
                         error_messages={"required": "is required"},
                         metadata={"description": "Any text; the same seed gives the same art"})
    format = _choice(tuple(presets.FORMATS), "png", "png, svg, webp or jpeg")


class GenerationsQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    seed = fields.String(validate=Length(max=presets.MAX_SEED), metadata={"description": "Only generations of this seed"})
    limit = _int(1, MAX_PAGE, "Page size", load_default=50)
    offset = _int(0, 10_000_000, "Rows to skip", load_default=0)


class GenerationSchema(Schema):
    """One og_generations row (the render ledger's columns plus format, theme and render time)."""

    id = fields.UUID()
    seed = fields.String()
    aspect_ratio = fields.String()
    quote_text = fields.String(allow_none=True)
    quote_author = fields.String(allow_none=True)
    custom_width = Integer(allow_none=True)
    custom_height = Integer(allow_none=True)
    shape_count = Integer(allow_none=True)
    ip_address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    format = fields.String(allow_none=True)
    theme = fields.String(allow_none=True)
    render_time_ms = fields.Float(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class GenerationPageSchema(Schema):
    items = fields.List(fields.Nested(GenerationSchema))
    total = Integer(metadata={"description": "Rows matching the filter"})
    limit = Integer()
    offset = Integer()


class AspectCountSchema(Schema):
    aspect_ratio = fields.String()
    count = Integer()


class OgStatsSchema(Schema):
    total = Integer(metadata={"description": "All recorded generations"})
    today = Integer(metadata={"description": "Since 00:00 UTC today"})
    unique_seeds = Integer(data_key="uniqueSeeds")
    top_aspect_ratios = fields.List(fields.Nested(AspectCountSchema), data_key="topAspectRatios",
                                    metadata={"description": "The 5 most used presets, most used first"})


class Base64Bytes(fields.String):
    """Bytes sent as base64 text, refused past `max_bytes` before decoding (a string in the API document)."""

    def __init__(self, max_bytes: int, **kwargs):
        self.max_length = (max_bytes + 2) // 3 * 4 + 4  # base64 of max_bytes, with slack for padding
        # the view refuses an empty file by name
        kwargs["metadata"] = {**kwargs.get("metadata", {}), "minLength": 1, "maxLength": self.max_length}
        super().__init__(**kwargs)
        self.max_bytes = max_bytes

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("must be base64 text")
        if len(value) > self.max_length:
            raise ValidationError(f"is larger than {self.max_bytes} bytes")
        try:
            return base64.b64decode(value.split(",", 1)[-1] if value.startswith("data:") else value,
                                    validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationError("is not valid base64") from error


def _hex_colour(description):
    # The service checks the colour (naming the field); the document states the same rule.
    return fields.String(metadata={"description": description, "pattern": f"^{HEX.pattern}$", "maxLength": 7})


class ColoursSchema(Schema):
    background = _hex_colour("Hex colour, #rrggbb or #rgb")
    text = _hex_colour("Hex colour of the title and body text")
    accent = _hex_colour("Hex colour of bars, badges and the site name")


class TemplateDefaultsSchema(Schema):
    """Text a card gets when its URL does not say otherwise (the same bounds as the card URL's)."""

    quote = fields.String(validate=Length(max=presets.TEXT_LIMITS["quote"]))
    author = fields.String(validate=Length(max=presets.TEXT_LIMITS["author"]))
    title = fields.String(validate=Length(max=presets.TEXT_LIMITS["title"]))
    description = fields.String(validate=Length(max=presets.TEXT_LIMITS["description"]))
    site = fields.String(validate=Length(max=presets.TEXT_LIMITS["site"]))
    badge = fields.String(validate=Length(max=presets.TEXT_LIMITS["badge"]))
    lang = fields.String(validate=Length(max=35), metadata={
        "description": "BCP 47 language tag", "pattern": f"^{LANGUAGE_TAG.pattern}$"})


class TemplateUpdateSchema(Schema):
    layout = fields.String(validate=OneOf(presets.LAYOUTS, error="must be one of {choices}"),
                           metadata={"description": ", ".join(presets.LAYOUTS)})
    colors = fields.Nested(ColoursSchema)
    font = fields.String(validate=OneOf(BASE_FAMILIES, error="must be one of {choices}"),
                         metadata={"description": "A bundled font family for Latin, Greek and Cyrillic"})
    font_file = Base64Bytes(MAX_FONT_BYTES, metadata={
        "description": f"An OFL-licensed .ttf/.otf, base64; at most {MAX_FONT_BYTES} bytes"})
    logo = Base64Bytes(MAX_LOGO_BYTES, allow_none=True, metadata={
        "description": f"A PNG or SVG logo, base64 (null removes it); at most {MAX_LOGO_BYTES} bytes, "
                       f"{MAX_LOGO_SIDE} px a side"})
    defaults = fields.Nested(TemplateDefaultsSchema)


class TemplateCreateSchema(TemplateUpdateSchema):
    name = fields.String(required=True, validate=Length(1, 63, error="length must be between {min} and {max}"),
                         metadata={"description": "Lowercase letters, digits and '-'; the URL's /og/t/<name>/",
                                   "pattern": f"^{NAME.pattern}$"})


class TemplateSchema(Schema):
    name = fields.String()
    version = Integer(metadata={"description": "The current version; a change makes the next"})
    versions = fields.List(Integer())
    layout = fields.String()
    colors = fields.Dict(keys=fields.String(), values=fields.String())
    font = fields.String()
    logo = fields.String(allow_none=True, metadata={"description": "png or svg, or null"})
    defaults = fields.Nested(TemplateDefaultsSchema)
    url = fields.String(metadata={"description": "The card URL of this version; {seed} is yours to fill"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TemplateListSchema(Schema):
    items = fields.List(fields.Nested(TemplateSchema))


def template_card_options() -> Schema:
    """The card options with no defaults: what a template card's URL does not say comes from the template."""
    options = CardOptionsSchema()
    declared = {name: copy.copy(field) for name, field in options.declared_fields.items()
                if name not in ("layout", "font", "theme")}
    for field in declared.values():
        field.load_default = missing
    return Schema.from_dict(declared, name="TemplateCardOptionsSchema")(unknown=EXCLUDE)


class SignRequestSchema(Schema):
    url = fields.String(required=True, validate=Length(1, 4096, error="length must be between {min} and {max}"),
                        metadata={"description": "A card URL, absolute or a path (/og/…, /og/t/…); "
                                  "any sig it has is replaced"})


class SignedUrlSchema(Schema):
    url = fields.String(metadata={"description": "The same URL with its sig parameter"})
