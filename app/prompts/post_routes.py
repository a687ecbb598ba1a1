"""Posts over HTTP: ``POST /posts`` with ``promptId`` records the template's usage.

Posts belong to the caller's key; admins may list anyone's (``userId``).
"""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal

from . import posts
from .routes import service_errors
from .schemas import PostCreateSchema, PostListArgs, PostSchema
from .templates import PromptNotFound, VersionNotFound

BODY_FIELDS = {
    PromptNotFound: "promptId",
    VersionNotFound: "promptVersion",
    posts.ImageNotFound: "generatedImageId",
}

blp = Blueprint("posts", __name__, url_prefix="/posts", description="Posts made from prompt templates")


@blp.route("")
class Posts(MethodView):
    @auth_required
    @blp.arguments(PostCreateSchema, required=False)
    @blp.response(201, PostSchema)
    def post(self, data):
        """Create a post; with promptId, its usage is recorded (success or failure) and never fails the post."""
        with service_errors(BODY_FIELDS):
            principal = current_principal()
            post, usage_id = posts.create_post(principal.user_id, is_admin=principal.is_admin, **data)
        return {**{column.key: getattr(post, column.key) for column in post.__table__.columns},
                "usage_id": usage_id}

    @auth_required
    @blp.arguments(PostListArgs, location="query", error_status_code=400)
    @blp.response(200, PostSchema(many=True))
    def get(self, args):
        """The caller's posts, newest first; the next page's cursor is in X-Next-Cursor."""
        principal = current_principal()
        requested = args.pop("user_id", None)
        if not principal.is_admin and requested not in (None, principal.user_id):
            abort(403, message="only admins may list another user's posts",
                  errors={"query": {"userId": ["not your user id"]}})
        user_id = requested if principal.is_admin else principal.user_id
        with service_errors():
            items, next_cursor = posts.list_posts(user_id=user_id, **args)
        return items, 200, ({"X-Next-Cursor": next_cursor} if next_cursor else {})


@blp.route("/<uuid:post_id>")
class PostItem(MethodView):
    @auth_required
    @blp.response(200, PostSchema)
    def get(self, post_id):
        """One of the caller's posts (admins: any post)."""
        principal = current_principal()
        post = posts.get_post(post_id, None if principal.is_admin else principal.user_id)
        return post or abort(404, message=f"no post {post_id}")
