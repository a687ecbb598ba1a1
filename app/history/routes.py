"""The reading side of the ledger: generated-image history, generation logs, image stats.

Users see their own images and logs; admin keys see everyone's. Anonymous
callers have no history: 401.
"""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from app.auth import auth_required, current_principal

from . import search, stats
from .schemas import (
    ImageFilterArgs,
    ImagePageSchema,
    ImageQueryArgs,
    ImageStatsSchema,
    LogPageSchema,
    LogQueryArgs,
)

blp = Blueprint("history", __name__, url_prefix="/history", description="Search and analyse the ledger")

QUERY = {"location": "query", "unknown": RAISE, "error_status_code": 400}


def visible_user(args):
    """The user whose rows the caller may see: themself, or anyone (None = all) for an admin."""
    principal = current_principal()
    requested = args.pop("user", None)
    if principal.is_admin:
        return requested
    if requested and requested != principal.user_id:
        abort(403, message="only admins may read another user's history",
              errors={"query": {"user": ["not your user id"]}})
    return principal.user_id


def _page(args):
    return {name: args.pop(name, None) for name in ("limit", "offset", "cursor")}


@blp.route("/images")
class Images(MethodView):
    @auth_required
    @blp.arguments(ImageQueryArgs, **QUERY)
    @blp.response(200, ImagePageSchema)
    def get(self, args):
        """Search generated images: filters, newest first, offset or cursor paging."""
        user_id, page = visible_user(args), _page(args)
        items, next_cursor = search.search_images(args, user_id=user_id, **page)
        return {"items": items, "next_cursor": next_cursor, "limit": page["limit"], "offset": page["offset"]}


@blp.route("/images/stats")
class ImageStats(MethodView):
    @auth_required
    @blp.arguments(ImageFilterArgs, **QUERY)
    @blp.response(200, ImageStatsSchema)
    def get(self, args):
        """Stats (total, unique users, successful, failed, average size) of the matching images."""
        return stats.image_stats(args, user_id=visible_user(args))


@blp.route("/logs")
class Logs(MethodView):
    @auth_required
    @blp.arguments(LogQueryArgs, **QUERY)
    @blp.response(200, LogPageSchema)
    def get(self, args):
        """Search generation logs: filters, newest first, offset or cursor paging."""
        user_id, page = visible_user(args), _page(args)
        items, next_cursor = search.search_logs(args, user_id=user_id, **page)
        return {"items": items, "next_cursor": next_cursor, "limit": page["limit"], "offset": page["offset"]}
