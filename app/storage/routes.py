"""``GET /storage/<bucket>/<key>``: objects served by the app (local and git backends).

Keys go through ``safe_key`` (no traversal, no absolute paths, no encoded
separators); the Content-Type comes from the file's extension; content is
immutable because keys are derived from the bytes' SHA-256.
"""

import hashlib
import mimetypes

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from . import get_storage, url_signer, variants
from .base import InvalidKey, safe_key
from .schemas import VariantQuerySchema

blp = Blueprint("storage", __name__, description="Stored images (local and git backends)")

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".webp": "image/webp", ".gif": "image/gif"}


def _content_type(key):
    for ext, kind in CONTENT_TYPES.items():
        if key.lower().endswith(ext):
            return kind
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


IMMUTABLE = "public, max-age=31536000, immutable"
VARIANT_BUCKETS = ("generated-images", "dataset-images")


@blp.route("/storage/<bucket>/<path:key>")
class StoredObjectView(MethodView):
    @blp.arguments(VariantQuerySchema, location="query", error_status_code=400)
    @blp.response(200, content_type="image/*", description="The stored bytes (immutable), or a variant of them")
    @blp.alt_response(404, description="No such object, a key that is not allowed, or a variant asked of a bucket "
                                        "that has none")
    def get(self, args, bucket, key):
        """An image stored by this app, with its Content-Type; keys are checked for traversal.
        ``w``, ``h``, ``fit``, ``format``, ``q`` ask for a variant (docs/storage.md). With private images
        (``STORAGE_PRIVATE``), the URL's ``expires`` and ``sig`` must be valid."""
        _check_private(bucket, key)
        if wants_variant():
            if bucket not in VARIANT_BUCKETS:
                # No such variant (a 404, like a missing object): the document cannot tie the query to the path.
                abort(404, message=f"bucket: variants are made of {', '.join(VARIANT_BUCKETS)} only")
            return serve_variant(bucket, _checked(bucket, key), args, _content_type(key))
        return serve_object(bucket, key)


def _check_private(bucket, key):
    signer = current_app.extensions.get("storage_url_signer")
    if signer is None:
        if not current_app.config.get("STORAGE_PRIVATE"):
            return
        signer = current_app.extensions["storage_url_signer"] = url_signer(current_app.config)
    if not signer.valid(bucket, key, request.args.get("expires"), request.args.get("sig")):
        abort(403, message="images are private here: this URL is not signed, or its signature has expired "
              "(ask the API for the image again)")


def wants_variant():
    return any(name in request.args for name in variants.PARAMS)


def _checked(bucket, key):
    try:
        return safe_key(bucket, key)
    except InvalidKey:
        abort(404, message="no such object")


def serve_stored(bucket, key, args, source_mime, cache_control=IMMUTABLE):
    """From any backend: the stored bytes, or the variant ``args`` ask for (``GET …/image``)."""
    if wants_variant():
        return serve_variant(bucket, key, args, source_mime, cache_control)
    try:
        data = get_storage().get(bucket, key)
    except FileNotFoundError:
        abort(404, message="no such object")
    return _immutable(data, source_mime, cache_control)


def _immutable(data, mime, cache_control):
    response = current_app.response_class(data, mimetype=mime)
    response.set_etag(hashlib.sha256(data).hexdigest())
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def serve_variant(bucket, key, args, source_mime, cache_control=IMMUTABLE):
    """The variant ``args`` ask for (made now if it is new), cached like the source: immutably."""
    if args.get("fit") == "cover" and not (args.get("w") and args.get("h")):
        abort(400, message="fit: cover needs both w and h", errors={"query": {"fit": ["cover needs both w and h"]}})
    requested = args.get("format") or variants.MIME_FORMATS.get(source_mime, "png")
    spec = variants.VariantSpec(args.get("w"), args.get("h"), args["fit"],
                                variants.negotiate(requested, request.accept_mimetypes, source_mime), args["q"])
    signer = current_app.extensions.get("variant_signer")
    try:
        data, mime = variants.get_or_make(get_storage(), bucket, key, spec, sign=signer)
    except FileNotFoundError:
        abort(404, message="no such object")
    response = _immutable(data, mime, cache_control)
    if args.get("format") == "auto":
        response.vary.add("Accept")
    return response.make_conditional(request)


def serve_object(bucket, key):
    key = _checked(bucket, key)
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
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    abort(404, message="no such object")
