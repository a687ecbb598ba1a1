"""``GET /storage/<bucket>/<key>``: objects served by the app (local and git backends).

Keys go through ``safe_key`` (no traversal, no absolute paths, no encoded
separators); the Content-Type comes from the file's extension; content is
immutable because keys are derived from the bytes' SHA-256.
"""

import mimetypes

from flask import Blueprint, abort, send_file

from . import get_storage
from .base import InvalidKey, safe_key

blp = Blueprint("storage", __name__)

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".webp": "image/webp", ".gif": "image/gif"}


def _content_type(key):
    for ext, kind in CONTENT_TYPES.items():
        if key.lower().endswith(ext):
            return kind
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


@blp.get("/storage/<bucket>/<path:key>")
def serve_object(bucket, key):
    try:
        key = safe_key(bucket, key)
    except InvalidKey:
        abort(404)
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
    abort(404)
