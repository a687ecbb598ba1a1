"""``GET /storage/<bucket>/<key>``: objects served by the app (local and git backends).

Keys go through ``safe_key`` (no traversal, no absolute paths, no encoded
separators); the Content-Type comes from the file's extension; content is
immutable because keys are derived from the bytes' SHA-256.
"""

import mimetypes

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from . import get_storage
from .base import InvalidKey, safe_key

blp = Blueprint("storage", __name__, description="Stored images (local and git backends)")

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".webp": "image/webp", ".gif": "image/gif"}


def _content_type(key):
    for ext, kind in CONTENT_TYPES.items():
        if key.lower().endswith(ext):
            return kind
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


@blp.route("/storage/<bucket>/<path:key>")
class StoredObjectView(MethodView):
    @blp.response(200, content_type="image/*", description="The stored bytes (immutable)")
    @blp.alt_response(404, description="No such object, or a key that is not allowed")
    def get(self, bucket, key):
        """An image stored by this app, with its Content-Type; keys are checked for traversal."""
        return serve_object(bucket, key)


def serve_object(bucket, key):
    try:
        key = safe_key(bucket, key)
    except InvalidKey:
        abort(404, message="no such object")
    storage = get_storage()
    for backend in getattr(storage, "backends", (storage,)):
        local_path = getattr(backend, "local_path", None)
        if local_path is None:
            continue
        path = local_path(bucket, key)
        try:
            response = send_file(path, mimetype=_content_type(key), conditional=True, max_age=31536000)
        except FileNotFoundError:
            continue
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
    abort(404, message="no such object")
