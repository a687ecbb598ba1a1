"""Posts: an image made from a template, linked to it and to its generated image.

The post is a record the product owns (written and committed in the request);
its usage is a tracking event recorded after the commit, which never fails the post.
"""

from sqlalchemy import select

from app.extensions import db
from app.history import cursor as cursors
from app.models import GeneratedImage, Post

from .syntax import PromptError
from .templates import get_prompt, get_version
from .usage import record_usage

POST_FIELDS = (
    "character_id", "job_id", "prompt_id", "scene", "environment", "outfit",
    "image_url", "prompt", "negative_prompt", "generated_image_id",
)
USAGE_FIELDS = ("generation_time_ms", "error_message")


class ImageNotFound(PromptError, LookupError):
    def __init__(self, image_id):
        super().__init__(f"no generated image {image_id}")


class BadCursor(PromptError, ValueError):
    pass


def create_post(user_id, *, is_admin=False, success=True, prompt_version=None, **data):
    """Create a post; with a prompt_id, record its usage (success or failure). Returns (post, usage_id).

    A ``generated_image_id`` must be the caller's own image (any, for an admin): another user's is
    ImageNotFound, as if it did not exist.
    """
    values = {name: data.get(name) for name in POST_FIELDS}
    if values["prompt_id"] is not None:
        prompt = get_prompt(values["prompt_id"])
        if prompt_version is None:
            prompt_version = prompt.version
        else:
            get_version(prompt.id, prompt_version)
    if values["generated_image_id"] is not None:
        image = db.session.get(GeneratedImage, values["generated_image_id"])
        if image is None or not (is_admin or image.user_id == user_id):
            raise ImageNotFound(values["generated_image_id"])
        values["image_url"] = values["image_url"] or image.image_url or image.storage_url
    post = Post(user_id=user_id, **values)
    db.session.add(post)
    db.session.commit()
    usage_id = None
    if post.prompt_id is not None:
        usage_id = record_usage(
            post.prompt_id,
            success=success,
            version=prompt_version,
            post_id=post.id,
            user_id=user_id,
            character_id=post.character_id,
            job_id=post.job_id,
            scene=post.scene,
            environment=post.environment,
            outfit=post.outfit,
            prompt=post.prompt,
            negative_prompt=post.negative_prompt,
            **{name: data.get(name) for name in USAGE_FIELDS},
        )
    return post, usage_id


def get_post(post_id, user_id=None):
    """A post by id; with ``user_id``, only if it belongs to that user. None when not found."""
    post = db.session.get(Post, post_id)
    if post is None or (user_id is not None and post.user_id != user_id):
        return None
    return post


def list_posts(user_id=None, prompt_id=None, character_id=None, limit=20, cursor=None):
    """Posts newest first, filtered; returns (posts, next_cursor or None). ``user_id`` None means all users."""
    query = select(Post)
    if user_id is not None:
        query = query.where(Post.user_id == user_id)
    if prompt_id:
        query = query.where(Post.prompt_id == prompt_id)
    if character_id:
        query = query.where(Post.character_id == character_id)
    if cursor:
        created_at, post_id = decode_cursor(cursor)
        query = query.where(
            (Post.created_at < created_at) | ((Post.created_at == created_at) & (Post.id < post_id))
        )
    posts = db.session.scalars(query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit + 1)).all()
    next_cursor = encode_cursor(posts[limit - 1]) if len(posts) > limit else None
    return posts[:limit], next_cursor


def encode_cursor(post):
    return cursors.encode_cursor(post.created_at, post.id)


def decode_cursor(cursor):
    """(created_at, id) from a cursor; raise BadCursor."""
    try:
        return cursors.decode_cursor(cursor)
    except ValueError:
        raise BadCursor("invalid cursor; use the X-Next-Cursor of the previous page") from None
