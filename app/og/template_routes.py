"""Brand templates over HTTP: ``/og/templates`` (admin writes, anyone reads) and their cards at ``/og/t/…``.

``/og/t/<name>/v<N>/<seed>.png`` names a version: immutable, cached for a
year. ``/og/t/<name>/<seed>.png`` follows the newest version: its ETag
includes the version and it is cached for five minutes, then revalidated.
"""

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import admin_required
from app.og import templates
from app.og.params import ParamError
from app.og.routes import CARD_DOC, EXTENSIONS, CardArgsParser, bad_request, serve_card
from app.og.schemas import (
    TemplateCreateSchema,
    TemplateListSchema,
    TemplateSchema,
    TemplateUpdateSchema,
    template_card_options,
)

blp = Blueprint("og_templates", __name__, url_prefix="/og", description="Brand templates of OG cards")
blp.ARGUMENTS_PARSER = CardArgsParser()
FOLLOWING_CACHE_CONTROL = "public, max-age=300, must-revalidate"
TEMPLATE_CARD_OPTIONS = template_card_options()
NOT_FOUND = {"description": "No template of that name (or no such version of it)"}
TEMPLATE_CARD_DOC = {"responses": {**CARD_DOC["responses"], 404: NOT_FOUND}}


@contextmanager
def template_errors():
    try:
        yield
    except templates.TemplateNotFound as error:
        abort(404, message=str(error))
    except templates.TemplateExists as error:
        abort(409, message=str(error), errors={"json": {"name": [str(error)]}})
    except ParamError as error:
        abort(400, message=f"{error.field}: {error.message}", errors={"json": {error.field: [error.message]}})


def template_view(template, row, versions=None) -> dict:
    """The JSON shape of a template at one version."""
    return {
        "name": template.name, "version": row.version, "versions": versions or [row.version],
        "layout": row.layout, "font": row.font, "logo": row.logo_kind, "defaults": row.defaults,
        "colors": {"background": row.background, "text": row.text_colour, "accent": row.accent},
        "url": f"/og/t/{template.name}/v{row.version}/{{seed}}.png",
        "created_at": template.created_at, "updated_at": template.updated_at,
    }


@blp.route("/templates")
class Templates(MethodView):
    @blp.response(200, TemplateListSchema)
    def get(self):
        """Every template at its current version."""
        return {"items": [template_view(t, v) for t, v in templates.list_templates()]}

    @admin_required
    @blp.arguments(TemplateCreateSchema, error_status_code=400)
    @blp.response(201, TemplateSchema)
    @blp.alt_response(409, description="A template of that name exists")
    def post(self, body):
        """Register a template (admin): layout, colours, font, logo and text defaults; version 1."""
        with template_errors():
            return template_view(*templates.create_template(body.pop("name"), body))


@blp.route("/templates/<name>")
class Template(MethodView):
    @blp.response(200, TemplateSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, name):
        """One template at its current version, with the numbers of all its versions."""
        with template_errors():
            template, row, versions = templates.get_template(name)
        return template_view(template, row, versions)

    @admin_required
    @blp.arguments(TemplateUpdateSchema, error_status_code=400, required=False)
    @blp.response(200, TemplateSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def patch(self, body, name):
        """Change a template (admin): writes the next version; URLs of earlier versions keep rendering them."""
        with template_errors():
            template, row = templates.update_template(name, body)
            return template_view(template, row, templates.get_template(name)[2])

    @admin_required
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    def delete(self, name):
        """Remove a template and its versions (admin)."""
        with template_errors():
            templates.delete_template(name)


def _template_card(name, version, seed, ext, args):
    args.pop("sig", None)  # checked on the raw URL by serve_card
    if ext not in EXTENSIONS:
        bad_request("format", f"extension must be one of {', '.join(EXTENSIONS)}")
    with template_errors():
        brand = templates.load_brand(name, version)
        params = templates.card_params(brand, seed, EXTENSIONS[ext], args)
    return serve_card(params, brand, **({} if version else {"cache_control": FOLLOWING_CACHE_CONTROL}))


@blp.route("/t/<name>/v<int:version>/<seed>.<card_ext:ext>", methods=["GET"])
@blp.arguments(TEMPLATE_CARD_OPTIONS, location="query", error_status_code=400)
@blp.doc(**TEMPLATE_CARD_DOC)
def versioned_card(args, name, version, seed, ext):
    """A card of one template version: the same URL always gives the same bytes (immutable)."""
    return _template_card(name, version, seed, ext, args)


@blp.route("/t/<name>/<seed>.<card_ext:ext>", methods=["GET"])
@blp.arguments(TEMPLATE_CARD_OPTIONS, location="query", error_status_code=400)
@blp.doc(**TEMPLATE_CARD_DOC)
def current_card(args, name, seed, ext):
    """A card of a template's newest version (revalidated after five minutes: the ETag names the version)."""
    return _template_card(name, None, seed, ext, args)
