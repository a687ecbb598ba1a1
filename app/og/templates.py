"""Brand templates: registered once by an admin, rendered by anyone, versioned immutably.

A change never edits a version: it writes the next one and moves the
template's `current_version`. A URL that names a version keeps rendering
exactly what it rendered (its cards are cached as immutable); the URL
without a version follows the newest, with an ETag that includes it.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OgTemplate, OgTemplateVersion
from app.models.types import utcnow
from app.og import presets
from app.og.font_uploads import validate_font
from app.og.fonts import BASE_FAMILIES, DEFAULT_FAMILY, register_upload
from app.og.logos import Logo, load_logo
from app.og.palettes import Colour, Theme
from app.og.params import CardParams, ParamError, make_params

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
DEFAULT_COLOURS = {"background": "#0f172a", "text": "#f8fafc", "accent": "#facc15"}
DEFAULT_FIELDS = (*presets.TEXT_LIMITS, "lang")
BRANDS_KEPT = 256
MAX_VERSION = 2**31 - 1


class TemplateNotFound(LookupError):
    pass


class TemplateExists(ValueError):
    pass


@dataclass(frozen=True)
class Brand:
    """Everything a version decides about a card, loaded once per process (versions never change)."""

    key: str  # part of every card's cache key and ETag: name, version and template id
    name: str
    version: int
    layout: str
    theme: Theme
    font: str
    logo: Logo | None
    defaults: dict


def parse_colour(field: str, value: str) -> str:
    """'#abc' or '#aabbcc' → '#aabbcc'; ParamError naming the field otherwise."""
    if not isinstance(value, str) or not HEX.fullmatch(value):
        raise ParamError(field, f"{value!r} is not a colour: use hex, #rrggbb or #rgb")
    digits = value[1:].lower()
    return "#" + ("".join(ch * 2 for ch in digits) if len(digits) == 3 else digits)


def _rgb(value: str) -> Colour:
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def brand_theme(background: str, text: str, accent: str) -> Theme:
    """A theme from three brand colours: the gradient, shapes and panel are mixed from them."""
    bg, fg, ac = _rgb(background), _rgb(text), _rgb(accent)
    is_dark = sum(bg) < 3 * 128
    panel = _mix(bg, (0, 0, 0) if is_dark else (255, 255, 255), 0.45)
    return Theme("brand", (bg, _mix(bg, ac, 0.22)),
                 (ac, _mix(ac, fg, 0.35), _mix(ac, bg, 0.45), _mix(fg, bg, 0.7)), panel, 0.6, fg, ac)


def _check_defaults(defaults: dict) -> dict:
    unknown = sorted(set(defaults) - set(DEFAULT_FIELDS))
    if unknown:
        raise ParamError(f"defaults.{unknown[0]}", f"unknown; one of {', '.join(DEFAULT_FIELDS)}")
    try:
        make_params("defaults", **{k: v for k, v in defaults.items() if v is not None})
    except (ParamError, TypeError) as error:
        field = getattr(error, "field", "defaults")
        raise ParamError(f"defaults.{field}", getattr(error, "message", str(error))) from error
    return {k: v for k, v in defaults.items() if v not in (None, "")}


def _version_row(spec: dict, previous: OgTemplateVersion | None) -> OgTemplateVersion:
    """The next version: `spec`'s changes over the previous version's values."""
    def keep(name, default=None):
        return getattr(previous, name) if previous is not None else default

    colours = spec.get("colors") or {}
    row = OgTemplateVersion(
        layout=spec.get("layout") or keep("layout", "article"),
        background=parse_colour("colors.background", colours["background"]) if "background" in colours
        else keep("background", DEFAULT_COLOURS["background"]),
        text_colour=parse_colour("colors.text", colours["text"]) if "text" in colours
        else keep("text_colour", DEFAULT_COLOURS["text"]),
        accent=parse_colour("colors.accent", colours["accent"]) if "accent" in colours
        else keep("accent", DEFAULT_COLOURS["accent"]),
        font=keep("font", DEFAULT_FAMILY), font_data=keep("font_data"),
        logo_kind=keep("logo_kind"), logo_data=keep("logo_data"), logo_png=keep("logo_png"),
        logo_width=keep("logo_width"), logo_height=keep("logo_height"),
        defaults=_check_defaults(spec["defaults"]) if spec.get("defaults") is not None else keep("defaults", {}),
    )
    if row.layout not in presets.LAYOUTS:
        raise ParamError("layout", f"must be one of {', '.join(presets.LAYOUTS)}")
    if spec.get("font_file") is not None:
        row.font, row.font_data = validate_font(spec["font_file"]), spec["font_file"]
    elif spec.get("font") is not None:
        if spec["font"] not in BASE_FAMILIES:
            raise ParamError("font", f"must be one of {', '.join(BASE_FAMILIES)} (or upload font_file)")
        row.font, row.font_data = spec["font"], None
    if "logo" in spec:
        logo = load_logo(spec["logo"]) if spec["logo"] is not None else None
        row.logo_kind, row.logo_data, row.logo_png = (logo.kind, logo.data, logo.png) if logo else (None,) * 3
        row.logo_width, row.logo_height = (logo.width, logo.height) if logo else (None, None)
    return row


def _commit(conflict: Exception) -> None:
    """Commit; a concurrent writer that took the name or the version number first makes this a 409."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise conflict from error


def _find(name: str) -> OgTemplate:
    template = db.session.scalar(select(OgTemplate).where(OgTemplate.name == name))
    if template is None:
        raise TemplateNotFound(f"no OG template named {name!r}")
    return template


def _version(template: OgTemplate, version: int) -> OgTemplateVersion:
    if not 1 <= version <= MAX_VERSION:  # a URL's digits: keep them inside the INTEGER column
        raise TemplateNotFound(f"OG template {template.name!r} has no version {version}")
    row = db.session.scalar(select(OgTemplateVersion).where(
        OgTemplateVersion.template_id == template.id, OgTemplateVersion.version == version))
    if row is None:
        raise TemplateNotFound(f"OG template {template.name!r} has no version {version}")
    return row


def create_template(name: str, spec: dict) -> tuple[OgTemplate, OgTemplateVersion]:
    """Register a template (version 1); TemplateExists if the name is taken."""
    if not NAME.fullmatch(name or ""):
        raise ParamError("name", "must be 1-63 lowercase letters, digits or '-', starting with a letter or digit")
    if db.session.scalar(select(OgTemplate.id).where(OgTemplate.name == name)) is not None:
        raise TemplateExists(f"an OG template named {name!r} exists")
    row = _version_row(spec, None)
    template = OgTemplate(name=name, current_version=1)
    db.session.add(template)
    db.session.flush()
    row.template_id, row.version = template.id, 1
    db.session.add(row)
    _commit(TemplateExists(f"an OG template named {name!r} exists"))
    return template, row


def update_template(name: str, spec: dict) -> tuple[OgTemplate, OgTemplateVersion]:
    """Write the next version with `spec`'s changes; the earlier versions stay as they were."""
    template = _find(name)
    row = _version_row(spec, _version(template, template.current_version))
    row.template_id, row.version = template.id, template.current_version + 1
    template.current_version = row.version
    template.updated_at = utcnow()
    db.session.add(row)
    _commit(TemplateExists(f"OG template {name!r} was changed at the same time; send the change again"))
    return template, row


def delete_template(name: str) -> None:
    """Remove a template and all its versions (its URLs answer 404 from then on)."""
    template = _find(name)
    db.session.execute(OgTemplateVersion.__table__.delete().where(OgTemplateVersion.template_id == template.id))
    db.session.delete(template)
    db.session.commit()


def get_template(name: str) -> tuple[OgTemplate, OgTemplateVersion, list[int]]:
    """A template, its current version and the numbers of all its versions."""
    template = _find(name)
    versions = db.session.scalars(select(OgTemplateVersion.version).where(
        OgTemplateVersion.template_id == template.id).order_by(OgTemplateVersion.version)).all()
    return template, _version(template, template.current_version), list(versions)


def list_templates() -> list[tuple[OgTemplate, OgTemplateVersion]]:
    """Every template with its current version, by name."""
    rows = db.session.execute(
        select(OgTemplate, OgTemplateVersion).join(OgTemplateVersion, (
            OgTemplateVersion.template_id == OgTemplate.id)
            & (OgTemplateVersion.version == OgTemplate.current_version)).order_by(OgTemplate.name)).all()
    return [(t, v) for t, v in rows]


_brands: OrderedDict = OrderedDict()
_brands_lock = threading.Lock()


def brand_from_row(template: OgTemplate, row: OgTemplateVersion) -> Brand:
    """The Brand of one version (an unsaved row works too: the designer's preview)."""
    if row.font_data is not None:
        register_upload(row.font, row.font_data)
    logo = Logo(row.logo_kind, row.logo_data, row.logo_png, row.logo_width, row.logo_height) \
        if row.logo_kind else None
    key = f"{template.name}@v{row.version}#{template.id.hex if template.id else 'preview'}"
    return Brand(key, template.name, row.version or 0, row.layout,
                 brand_theme(row.background, row.text_colour, row.accent), row.font, logo, dict(row.defaults))


def load_brand(name: str, version: int | None = None) -> Brand:
    """The Brand of a template's version (the current one when None); cached, since versions never change."""
    template = _find(name)
    number = template.current_version if version is None else version
    cache_key = (template.id, number)
    with _brands_lock:
        brand = _brands.get(cache_key)
        if brand is not None:
            _brands.move_to_end(cache_key)
            return brand
    brand = brand_from_row(template, _version(template, number))
    with _brands_lock:
        _brands[cache_key] = brand
        while len(_brands) > BRANDS_KEPT:
            _brands.popitem(last=False)
    return brand


def card_params(brand: Brand, seed: str, fmt: str, args: dict) -> CardParams:
    """A card's params: the request's text over the template's defaults, in the brand's layout and font."""
    values = {**brand.defaults, **{k: v for k, v in args.items() if v is not None}}
    values.update(layout=brand.layout, font=brand.font, brand=brand.key, format=fmt)
    values.pop("theme", None)
    return make_params(seed, **values)


def preview_brand(layout: str, colours: dict, font: str, base: Brand | None = None) -> Brand:
    """A Brand from unsaved designer settings (the base template's logo and defaults kept)."""
    picked = {name: parse_colour(f"colors.{name}", colours.get(name) or DEFAULT_COLOURS[name])
              for name in DEFAULT_COLOURS}
    if layout not in presets.LAYOUTS:
        raise ParamError("layout", f"must be one of {', '.join(presets.LAYOUTS)}")
    return Brand("preview:" + ",".join(picked.values()), base.name if base else "preview", 0, layout,
                 brand_theme(picked["background"], picked["text"], picked["accent"]), font,
                 base.logo if base else None, dict(base.defaults) if base else {})
