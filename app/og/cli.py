"""``flask og …`` commands."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.og import presets, templates
from app.og.fonts import BASE_FAMILIES, DEFAULT_FAMILY
from app.og.palettes import THEMES
from app.og.params import ParamError, make_params
from app.og.service import card_bytes
from app.og.signing import NotACardUrl, Policy, SigningNotConfigured, sign_card_url
from app.provenance.service import og_card_marker

cli = AppGroup("og", help="Open Graph cards.")


@cli.command("render")
@click.option("--seed", required=True, help="Any text; the same seed gives the same art.")
@click.option("--aspect", default="default", show_default=True, type=click.Choice(presets.ASPECTS))
@click.option("--quote", default="", help="Quote text.")
@click.option("--author", default="", help="Shown below the quote; an article's byline.")
@click.option("--layout", default="quote", show_default=True, type=click.Choice(presets.LAYOUTS))
@click.option("--title", default="", help="Headline (article, announcement, plain).")
@click.option("--description", default="", help="Secondary text below the title.")
@click.option("--site", default="", help="Site or brand name.")
@click.option("--badge", default="", help="Tag line above an announcement's title.")
@click.option("--font", default=DEFAULT_FAMILY, show_default=True, type=click.Choice(BASE_FAMILIES))
@click.option("--lang", default=None, help="BCP 47 language of the text (ja, ko, zh-TW, ar…).")
@click.option("--format", "fmt", type=click.Choice(tuple(presets.FORMATS)),
              help="Default: from the --out extension, else png.")
@click.option("--width", type=int, help=f"Custom width, {presets.MIN_SIZE}…{presets.MAX_SIZE}.")
@click.option("--height", type=int, help=f"Custom height, {presets.MIN_SIZE}…{presets.MAX_SIZE}.")
@click.option("--shapes", type=int, default=presets.DEFAULT_SHAPES, show_default=True,
              help=f"0…{presets.MAX_SHAPES} generative shapes.")
@click.option("--theme", default="auto", show_default=True, type=click.Choice(("auto", *THEMES)))
@click.option("--template", "template_name", help="Render from this brand template (its layout, colours, "
              "font, logo and text defaults; the text options override its defaults).")
@click.option("--template-version", type=int, help="That template's version (default: the newest).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write (- for stdout).")
def render_card(seed, aspect, quote, author, layout, title, description, site, badge, font, lang, fmt,
                width, height, shapes, theme, template_name, template_version, out):
    """Render one card to a file: the card GET /og serves for these parameters (signed with OG_PROVENANCE)."""
    if fmt is None:
        suffix = Path(out).suffix.lower().lstrip(".")
        fmt = {"jpg": "jpeg"}.get(suffix, suffix) if suffix in (*presets.FORMATS, "jpg") else "png"
    text = dict(quote=quote, author=author, title=title, description=description, site=site, badge=badge,
                lang=lang)
    brand = None
    try:
        if template_name:
            brand = templates.load_brand(template_name, template_version)
            given = {k: v for k, v in text.items() if v}
            params = templates.card_params(brand, seed, fmt, {**given, "aspect": aspect, "width": width,
                                                              "height": height, "shapes": shapes})
        else:
            params = make_params(seed, aspect=aspect, layout=layout, font=font, width=width, height=height,
                                 shapes=shapes, theme=theme, format=fmt, **text)
    except templates.TemplateNotFound as error:
        raise click.BadParameter(str(error), param_hint="--template") from error
    except ParamError as error:
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from error
    body, content_type = card_bytes(params, brand, og_card_marker())
    if out == "-":
        click.get_binary_stream("stdout").write(body)
        return
    Path(out).write_bytes(body)
    width, height = params.size
    click.echo(f"wrote {out}: {content_type}, {width}x{height}, {len(body)} bytes", err=True)


@cli.command("sign")
@click.argument("url")
def sign_command(url):
    """Print URL signed with the first of OG_SIGNING_KEYS (a card URL, absolute or a path)."""
    from flask import current_app

    try:
        click.echo(sign_card_url(url, Policy.from_config(current_app.config)))
    except (SigningNotConfigured, NotACardUrl) as error:
        raise click.UsageError(str(error)) from error
