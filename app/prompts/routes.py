"""Prompt templates over HTTP. Reading and rendering are open (``ALLOW_ANONYMOUS``);
writes need an admin key; favorites and usages need a key."""

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from werkzeug.routing import BaseConverter

from app.auth import admin_required, auth_required, current_principal

from . import favorites, posts, stats, templates
from .labels import LabelNotFound, labels_by_version
from .posts import BadCursor, ImageNotFound
from .rendering import render_prompt
from .schemas import (
    PromptCreateSchema,
    PromptListArgs,
    PromptSchema,
    PromptStatsSchema,
    PromptUpdateSchema,
    RenderedSchema,
    RenderSchema,
    SceneStatsSchema,
    StatsArgs,
    TopArgs,
    UsageCreateSchema,
    UsageRecordedSchema,
    VersionSchema,
)
from .syntax import BadVariable, MissingVariables, TemplateSyntaxError
from .usage import record_usage

blp = Blueprint("prompts", __name__, url_prefix="/prompts", description="Prompt templates and their statistics")

CAMEL = {"negative_prompt": "negativePrompt"}


class PromptIdConverter(BaseConverter):
    """``<prompt_id:…>`` in a URL: a slug that is not a reserved word.

    ``/prompts/favorites`` then matches only its own rule, so its ``Allow``
    (and ``OPTIONS``) names only its own methods, not a template's."""

    regex = "(?!(?:" + "|".join(sorted(templates.RESERVED_IDS)) + r")(?:/|$))[a-z0-9]+(?:-[a-z0-9]+)*"

    @staticmethod
    def parameter_schema(_converter):
        return {"type": "string", "pattern": templates.ID_PATTERN, "maxLength": templates.MAX_SLUG}


@contextmanager
def service_errors(fields=None):
    """Turn the services' exceptions into JSON 4xx answers; ``fields`` names the body field per error type."""
    try:
        yield
    except (templates.PromptNotFound, templates.VersionNotFound, ImageNotFound) as error:
        field = (fields or {}).get(type(error))
        abort(404, message=str(error), errors={"json": {field: [str(error)]}} if field else None)
    except TemplateSyntaxError as error:
        abort(400, message=str(error), errors={"json": {CAMEL.get(error.field, error.field): [error.problem]}})
    except MissingVariables as error:
        abort(400, message=str(error), errors={"json": {"variables": [str(error)]}})
    except (BadVariable, BadCursor) as error:
        abort(400, message=str(error))
    except templates.PromptExists as error:
        abort(409, message=str(error))
    except LabelNotFound as error:
        abort(404, message=str(error), errors={"json": {"promptLabel": [str(error)]}})


def _user_id():
    principal = current_principal()
    return principal.user_id if principal else None


@blp.route("")
class Prompts(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(PromptListArgs, location="query", error_status_code=400)
    @blp.response(200, PromptSchema(many=True))
    def get(self, args):
        """List templates by name (active ones unless include_inactive); favorites_first needs a key."""
        return templates.list_prompts(favorites_of=_user_id(), **args)

    @admin_required
    @blp.arguments(PromptCreateSchema)
    @blp.response(201, PromptSchema)
    def post(self, data):
        """Create a template at version 1 (admin)."""
        try:
            templates.check_slug(data["id"])
        except ValueError as error:
            abort(422, message=f"id: {error}", errors={"json": {"id": [str(error)]}})
        with service_errors():
            return templates.create_prompt(data.pop("id"), **data)


@blp.route("/favorites")
class Favorites(MethodView):
    @auth_required
    @blp.response(200, PromptSchema(many=True))
    def get(self):
        """The caller's favorite templates, most recently added first."""
        return favorites.list_favorites(_user_id())


@blp.route("/top/used")
class TopUsed(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(TopArgs, location="query", error_status_code=400)
    @blp.response(200, PromptSchema(many=True))
    def get(self, args):
        """The most used active templates with their success rate (limit 1..100)."""
        return stats.top_used(args["limit"])


@blp.route("/<prompt_id:prompt_id>")
class PromptItem(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, PromptSchema)
    def get(self, prompt_id):
        """One template."""
        with service_errors():
            return templates.get_prompt(prompt_id)

    @admin_required
    @blp.arguments(PromptUpdateSchema(partial=True), required=False)
    @blp.response(200, PromptSchema)
    def patch(self, data, prompt_id):
        """Edit a template (admin); a new name, template or negative prompt makes a new version."""
        for name in ("name", "template", "is_active"):
            if name in data and data[name] is None:
                abort(422, message=f"{name} may not be null", errors={"json": {name: ["may not be null"]}})
        with service_errors():
            return templates.update_prompt(prompt_id, **data)

    @admin_required
    @blp.response(204)
    def delete(self, prompt_id):
        """Delete a template with its versions, usages and favorites (admin); posts are kept, unlinked."""
        with service_errors():
            templates.delete_prompt(prompt_id)


@blp.route("/<prompt_id:prompt_id>/render")
class Render(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(RenderSchema, required=False)  # every field optional: no body renders the defaults
    @blp.response(200, RenderedSchema)
    def post(self, data, prompt_id):
        """Fill a template's variables: promptVersion, else the version promptLabel names, else production's,
        else the latest; a missing variable is a 400 naming it."""
        version = data.get("prompt_version") or data.get("version")
        with service_errors({templates.VersionNotFound: "promptVersion"}):
            rendered = render_prompt(prompt_id, data["variables"], version=version, label=data.get("prompt_label"))
        return {"prompt_id": prompt_id, "version": rendered.version, "label": rendered.label,
                "settings": rendered.settings, "prompt": rendered.text, "negative_prompt": rendered.negative_prompt}


@blp.route("/<prompt_id:prompt_id>/versions")
class Versions(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, VersionSchema(many=True))
    def get(self, prompt_id):
        """Every version of a template, newest (current) first, with the labels naming each."""
        with service_errors():
            named = labels_by_version(prompt_id)
            return [(version, named.get(version.version, [])) for version in templates.list_versions(prompt_id)]


@blp.route("/<prompt_id:prompt_id>/versions/<int:version>")
class VersionItem(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, VersionSchema)
    def get(self, prompt_id, version):
        """One version of a template."""
        with service_errors():
            return templates.get_version(prompt_id, version)


@blp.route("/<prompt_id:prompt_id>/versions/<int:version>/restore")
class Restore(MethodView):
    @admin_required
    @blp.response(200, PromptSchema)
    def post(self, prompt_id, version):
        """Make an old version current again, as a new version with its text (admin)."""
        with service_errors():
            return templates.restore_version(prompt_id, version)


@blp.route("/<prompt_id:prompt_id>/stats")
class Stats(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(StatsArgs, location="query", error_status_code=400)
    @blp.response(200, PromptStatsSchema)
    def get(self, args, prompt_id):
        """Usage statistics of a template, or of one version with ?version=N."""
        with service_errors():
            return stats.prompt_stats(prompt_id, args.get("version"))


@blp.route("/<prompt_id:prompt_id>/scenes")
class Scenes(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, SceneStatsSchema(many=True))
    def get(self, prompt_id):
        """Usage count, average time and success rate per scene, most used first."""
        with service_errors():
            return stats.scene_stats(prompt_id)


@blp.route("/<prompt_id:prompt_id>/usage")
class Usage(MethodView):
    @auth_required
    @blp.arguments(UsageCreateSchema, required=False)  # every field optional: no body records a success
    @blp.response(202, UsageRecordedSchema)
    def post(self, data, prompt_id):
        """Record a usage without a post (e.g. a failed generation); counted asynchronously."""
        with service_errors({templates.VersionNotFound: "promptVersion"}):
            templates.get_prompt(prompt_id)
            if data.get("prompt_version") is not None:
                templates.get_version(prompt_id, data["prompt_version"])
        principal = current_principal()
        if data.get("post_id") is not None and posts.get_post(
                data["post_id"], None if principal.is_admin else principal.user_id) is None:
            abort(404, message=f"no post {data['post_id']}", errors={"json": {"postId": ["not one of your posts"]}})
        version = data.pop("prompt_version", None)
        success = data.pop("success")
        return {"usage_id": record_usage(prompt_id, success=success, version=version, user_id=_user_id(), **data)}


@blp.route("/<prompt_id:prompt_id>/favorite")
class Favorite(MethodView):
    @auth_required
    @blp.response(204)
    def put(self, prompt_id):
        """Add the template to the caller's favorites (idempotent)."""
        with service_errors():
            favorites.add_favorite(_user_id(), prompt_id)

    post = put

    @auth_required
    @blp.response(204)
    def delete(self, prompt_id):
        """Remove the template from the caller's favorites (idempotent)."""
        with service_errors():
            favorites.remove_favorite(_user_id(), prompt_id)
