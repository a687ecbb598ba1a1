"""The OG page's designer: form values → card params, the preview's Brand, the public URL to copy.

The preview is drawn here, never through ``/og``: designing does not add
cards to the ledger. The URL to copy is the public one (``/og/<seed>.png``
or a template's versioned ``/og/t/<name>/v<N>/<seed>.png``).
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from app.og import presets, templates
from app.og.font_uploads import MAX_FONT_BYTES
from app.og.fonts import BASE_FAMILIES, DEFAULT_FAMILY
from app.og.logos import MAX_LOGO_BYTES
from app.og.params import CardParams, ParamError, make_params

TEXT_FIELDS = tuple(presets.TEXT_LIMITS)
DESIGN_FIELDS = ("layout", "font", "background", "text_colour", "accent")
UPLOAD_LIMITS = {"logo": MAX_LOGO_BYTES, "font_file": MAX_FONT_BYTES}
COLOUR_FIELDS = (("background", "background"), ("text", "text_colour"), ("accent", "accent"))


@dataclass
class Design:
    form: dict
    params: CardParams | None = None
    brand: templates.Brand | None = None
    error: ParamError | None = None
    public_path: str | None = None


def read_form(args, template: tuple | None) -> dict:
    """The designer's values: the request's, else the chosen template's, else the defaults."""
    base = {}
    if template is not None:
        _tpl, row, _versions = template
        base = {"layout": row.layout, "font": row.font, "background": row.background,
                "text_colour": row.text_colour, "accent": row.accent, "brand": "1", **row.defaults}
    form = {"seed": args.get("seed", "imprint"), "aspect": args.get("aspect", "default"),
            "shapes": args.get("shapes", str(presets.DEFAULT_SHAPES)).strip(),
            "theme": args.get("theme", "auto"), "lang": args.get("lang", base.get("lang", "")).strip(),
            "template": args.get("template", "")}
    for name in (*TEXT_FIELDS, *DESIGN_FIELDS, "brand"):
        form[name] = args.get(name, base.get(name, ""))
    form["layout"] = form["layout"] or "quote"
    form["font"] = form["font"] or DEFAULT_FAMILY
    return form


def _public_path(form: dict, params: CardParams, template: tuple | None) -> str:
    text = {name: getattr(params, name) for name in TEXT_FIELDS if getattr(params, name)}
    if params.lang:
        text["lang"] = params.lang
    if template is not None:
        tpl, row, _versions = template
        defaults = row.defaults
        text = {k: v for k, v in text.items() if defaults.get(k) != v}
        query = urlencode(text)
        return f"/og/t/{tpl.name}/v{row.version}/{quote(params.seed, safe='')}.png" + (f"?{query}" if query else "")
    query = {"aspect": params.aspect, "layout": params.layout, "font": params.font, "theme": params.theme,
             "shapes": params.shapes, **text}
    defaults = {"aspect": "default", "layout": "quote", "font": DEFAULT_FAMILY, "theme": "auto",
                "shapes": presets.DEFAULT_SHAPES}
    query = {k: v for k, v in query.items() if defaults.get(k) != v}
    return f"/og/{quote(params.seed, safe='')}.png" + (f"?{urlencode(query)}" if query else "")


def design(args, template: tuple | None) -> Design:
    """Validate the designer's form; the params and Brand to preview, the URL to copy, or the error."""
    form = read_form(args, template)
    result = Design(form)
    try:
        try:
            shapes = int(form["shapes"])
        except ValueError as error:
            raise ParamError("shapes", f"must be a whole number between 0 and {presets.MAX_SHAPES}") from error
        base = templates.load_brand(template[0].name, template[1].version) if template else None
        if form["brand"]:
            colours = {"background": form["background"], "text": form["text_colour"], "accent": form["accent"]}
            result.brand = templates.preview_brand(form["layout"], colours, form["font"], base)
        text = {name: form[name] for name in TEXT_FIELDS}
        result.params = make_params(form["seed"], aspect=form["aspect"], shapes=shapes, theme=form["theme"],
                                    layout=form["layout"], font=form["font"], lang=form["lang"] or None,
                                    brand=result.brand.key if result.brand else "", **text)
        result.public_path = _public_path(form, result.params, template)
    except ParamError as error:
        result.error = error
    return result


def template_spec(form, files) -> dict:
    """The "save as template" form → the spec ``templates.create_template``/``update_template`` take.

    Uploads are read one byte past their bound: enough for the template rules to refuse them.
    """
    spec = {"layout": form.get("layout") or None,
            "colors": {key: form[field] for key, field in COLOUR_FIELDS if form.get(field)},
            "defaults": {k: form.get(k, "") for k in (*TEXT_FIELDS, "lang") if form.get(k)}}
    if form.get("font") in BASE_FAMILIES:
        spec["font"] = form["font"]
    for field, limit in UPLOAD_LIMITS.items():
        upload = files.get(field)
        if upload and upload.filename:
            spec[field] = upload.read(limit + 1)
    if form.get("remove_logo"):
        spec["logo"] = None
    return spec
