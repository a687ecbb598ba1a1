"""``POST /provenance/verify`` and ``GET /ai/generated-images/<id>/provenance``."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal
from app.history.search import find_visible_image

from . import service
from .reading import UnreadableImage
from .schemas import CredentialsSchema, VerifyUploadSchema

blp = Blueprint("provenance", __name__, description="Content Credentials (C2PA): verify a file, show an image's")


@blp.route("/provenance/verify")
class Verify(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(VerifyUploadSchema, location="files")
    @blp.response(200, CredentialsSchema)
    @blp.alt_response(413, description="The image is larger than MAX_UPLOAD_BYTES")
    def post(self, files):
        """Read an image's Content Credentials: validation state, actions, signer, ledger record."""
        config = current_app.config
        data = files["image"].stream.read(config["MAX_UPLOAD_BYTES"] + 1)
        problem = service.upload_problem(data, config["MAX_UPLOAD_BYTES"])
        if problem is None:
            try:
                return service.verify_upload(data, current_principal())
            except UnreadableImage:
                problem = 422, "not a readable PNG, JPEG, WebP or GIF file"
        status, message = problem
        abort(status, message=f"image: {message}", errors={"files": {"image": [message]}})


@blp.route("/ai/generated-images/<uuid:image_id>/provenance")
class ImageProvenance(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, CredentialsSchema)
    @blp.alt_response(404, description="No such image, or not one the caller may see")
    def get(self, image_id):
        """The Content Credentials of a stored image, read back from its file."""
        principal = current_principal()
        record = find_visible_image(principal, image_id)
        if record is None:
            abort(404, message="image not found")
        return service.image_provenance(record, principal)
