"""Releases over HTTP: labels and their moves, ratings of images.

Reading labels is open like the templates; moving one needs an admin key. Ratings belong to
the caller's key. Side-by-side comparisons are ``app.comparisons``.
"""

from contextlib import contextmanager

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from werkzeug.routing import BaseConverter

from app.auth import admin_required, auth_required, current_principal

from . import labels, ratings
from .release_schemas import (
    ImageRatingsSchema,
    LabelHistoryArgs,
    LabelMoveBodySchema,
    LabelMoveSchema,
    LabelSchema,
    RatingBodySchema,
    RatingSchema,
)
from .routes import service_errors

HISTORY = "history"


class LabelConverter(BaseConverter):
    """``<label:…>`` in a URL: any segment but ``history``, so ``/labels/history`` matches only its own
    rule (its ``Allow`` names only its own methods); a malformed label still reaches the view, which
    answers 400 naming it."""

    regex = f"(?!{HISTORY}(?:/|$))[^/]+"

    @staticmethod
    def parameter_schema(_converter):
        return {"type": "string", "pattern": f"^(?!{HISTORY}$)" + labels.LABEL.pattern.lstrip("^")}


blp = Blueprint("prompt_releases", __name__, description="Prompt releases: labels and ratings")


@contextmanager
def release_errors():
    """The prompts' errors as service_errors answers them, and the releases' own."""
    try:
        with service_errors():
            yield
    except labels.LabelNotFound as error:
        abort(404, message=str(error))
    except labels.LabelError as error:
        abort(422, message=str(error), errors={"json": {"label": [str(error)]}})
    except ratings.ImageNotRatable as error:
        abort(404, message=str(error))


@blp.route("/prompts/<prompt_id:prompt_id>/labels")
class Labels(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, LabelSchema(many=True))
    def get(self, prompt_id):
        """A template's labels and the versions they name (``latest`` is always the newest)."""
        with release_errors():
            return labels.list_labels(prompt_id)


@blp.route("/prompts/<prompt_id:prompt_id>/labels/history")
class LabelHistory(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(LabelHistoryArgs, location="query", error_status_code=400)
    @blp.response(200, LabelMoveSchema(many=True))
    def get(self, args, prompt_id):
        """Who moved a template's labels, when, from which version to which; newest first."""
        with release_errors():
            return labels.label_history(prompt_id, args.get("label"), args["limit"])


@blp.route("/prompts/<prompt_id:prompt_id>/labels/<label:label>")
class LabelItem(MethodView):
    @admin_required
    @blp.arguments(LabelMoveBodySchema)
    @blp.response(200, LabelMoveSchema)
    def put(self, data, prompt_id, label):
        """Point a label at a version (admin); recorded, and used by the next request of every process."""
        with release_errors():
            return labels.move_label(prompt_id, label, data["version"], current_principal())

    @admin_required
    @blp.response(200, LabelMoveSchema)
    def delete(self, prompt_id, label):
        """Take a label off its version (admin); recorded as a move to no version."""
        with release_errors():
            return labels.remove_label(prompt_id, label, current_principal())


@blp.route("/ai/generated-images/<uuid:image_id>/rating")
class Rating(MethodView):
    @auth_required
    @blp.response(200, ImageRatingsSchema)
    def get(self, image_id):
        """An image's rating figures, the caller's own rating and the latest comments."""
        with release_errors():
            return ratings.image_ratings(current_principal(), image_id)

    @auth_required
    @blp.arguments(RatingBodySchema)
    @blp.response(200, RatingSchema)
    def put(self, data, image_id):
        """Rate an image you may see: a score of 1-5 or a thumb, with a comment; rating again changes it."""
        with release_errors():
            return ratings.rate_image(current_principal(), image_id, score=data.get("score"),
                                      thumb=data.get("thumb"), comment=data.get("comment"))

    @auth_required
    @blp.response(204)
    def delete(self, image_id):
        """Take back your rating of an image (idempotent)."""
        with release_errors():
            ratings.remove_rating(current_principal(), image_id)
