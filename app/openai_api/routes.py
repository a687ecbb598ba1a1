"""OpenAI-compatible endpoints on /v1: images (generations, edits) and models.

Every error under /v1 — validation, authentication, rate limits, unknown
routes, server errors — is answered in OpenAI's error shape, so the SDKs
raise their usual exception classes.
"""

from functools import wraps

import flask
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow.fields import Boolean, Number
from marshmallow.validate import OneOf
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import HTTPException

from app.ai.errors import GenerationFailed, RequestError
from app.auth import current_principal
from app.security.client import request_caller

from . import service
from .editing import image_from_ref
from .errors import (
    OpenAIError,
    convert_app_error,
    error_response,
    from_generation_failed,
    from_http,
    from_request_error,
)
from .routing import install_routes, model_routes
from .schemas import (
    ImageEditJsonSchema,
    ImageEditSchema,
    ImageGenerationSchema,
    ImagesResponseSchema,
    OpenAIErrorSchema,
    OpenAIModelListSchema,
    OpenAIModelSchema,
)

blp = Blueprint("openai", __name__, url_prefix="/v1",
                description="OpenAI-compatible Images API: point an OpenAI SDK's base_url here")
# Multipart form fields and files in one schema (one requestBody), as the SDK sends an edit.
blp.ARGUMENTS_PARSER = FlaskParser()
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}


@blp.ARGUMENTS_PARSER.location_loader("form_and_files")
def _load_form_and_files(req, schema):
    # The SDKs send several images as ``image[]``: the same field as ``image`` (one name in the
    # document, which generated clients need).
    parts = MultiDict(CombinedMultiDict([req.form, req.files]))
    for upload in parts.poplist("image[]"):
        parts.add("image", upload)
    # A form has no null: the text "null" in a field that takes a choice or a number (where it can
    # mean nothing else) is the null the document allows there, i.e. not given.
    for name in [name for name, value in parts.items(multi=True) if value == "null" and _null_as_text(schema, name)]:
        parts.poplist(name)
    return MultiDictProxy(parts, schema)


def _null_as_text(schema, name):
    field = schema.fields.get(name)
    return (field is not None and field.allow_none
            and (isinstance(field, Number | Boolean) or any(isinstance(check, OneOf) for check in field.validators)))


PREFIX = "/v1/"
# operationIds are OpenAI's own, so a client generated from either document names them alike.
ERRORS = {400: "Invalid request (param names the field)", 401: "Missing or wrong API key",
          404: "Unknown model", 409: "The same request_id is still running", 429: "Rate limit or daily quota",
          500: "Internal error", 502: "The provider failed", 503: "Provider not configured or unavailable",
          504: "The provider timed out"}


def _documented_errors(*codes):
    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, schema=OpenAIErrorSchema, description=ERRORS[code])(view)
        return view

    return decorate


def openai_auth(view):
    """The caller's API key as the SDK sends it (``Authorization: Bearer``); 401 in OpenAI's shape."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            principal = current_principal()
        except HTTPException as error:
            message = (getattr(error, "data", None) or {}).get("message") or ""
            if error.code == 403:  # a key whose scopes leave generation out
                raise OpenAIError(403, message, code="insufficient_scope") from error
            if "expired" in message:
                raise OpenAIError(401, message, code="expired_api_key") from error
            raise OpenAIError(401, "Incorrect API key provided. Imprint keys are created with "
                              "`flask keys create` and sent as 'Authorization: Bearer <key>'.",
                              code="invalid_api_key") from error
        if principal is None and not current_app.config["ALLOW_ANONYMOUS"]:
            raise OpenAIError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
                              code="missing_api_key")
        return view(*args, **kwargs)

    return wrapper


def _base_url():
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


@blp.route("/images/generations")
class ImageGenerations(MethodView):
    @openai_auth
    @blp.arguments(ImageGenerationSchema)
    @blp.response(200, ImagesResponseSchema)
    @_documented_errors(400, 401, 404, 409, 429, 500, 502, 503, 504)
    @blp.doc(operationId="createImage")
    def post(self, fields):
        """Create images from a prompt (OpenAI's ``images.generate``)."""
        return service.generate_openai_images(fields, request_caller(current_principal()), model_routes(current_app),
                                              base_url=_base_url())


EDIT_BODIES = {"content": {"multipart/form-data": {"schema": ImageEditSchema},
                            "application/json": {"schema": ImageEditJsonSchema}}, "required": True}


@blp.route("/images/edits")
class ImageEdits(MethodView):
    @openai_auth
    @blp.doc(requestBody=EDIT_BODIES)
    @blp.response(200, ImagesResponseSchema)
    @_documented_errors(400, 401, 404, 409, 429, 500, 502, 503, 504)
    @blp.doc(operationId="createImageEdit")
    def post(self):
        """Edit an image from a prompt (OpenAI's ``images.edit``): multipart uploads, or JSON with data URLs."""
        fields, images, mask = _json_edit() if request.is_json else _multipart_edit()
        return service.edit_openai_images(fields, images, mask, request_caller(current_principal()), model_routes(current_app),
                                          current_app.config, base_url=_base_url())


def _json_edit():
    """(fields, image bytes, mask bytes) of a JSON edit: images by data URL."""
    fields = blp.ARGUMENTS_PARSER.parse(ImageEditJsonSchema(), request, location="json")
    images = [image_from_ref(ref, f"images[{index}]") for index, ref in enumerate(fields.pop("images"))]
    mask = fields.pop("mask", None)
    return fields, images, image_from_ref(mask, "mask") if mask else None


def _multipart_edit():
    """(fields, image bytes, mask bytes) of a multipart edit, each upload read to one byte past the limit."""
    fields = blp.ARGUMENTS_PARSER.parse(ImageEditSchema(), request, location="form_and_files")
    limit = current_app.config["MAX_UPLOAD_BYTES"] + 1  # one byte more is enough to refuse it
    images = [upload.stream.read(limit) for upload in fields.pop("image", None) or []]
    mask = fields.pop("mask", None)
    return fields, images, mask.stream.read(limit) if mask is not None else None


@openai_auth
def image_variations():
    """Variations of an image (OpenAI's ``images.create_variation``): refused, use edits."""
    raise OpenAIError(400, "Image variations are not supported: they are dall-e-2's only, which Imprint "
                      "does not route. Use POST /v1/images/edits with the image and a prompt.",
                      param="model", code="model_not_supported")


# Answered, so the SDK's create_variation gets a clear error, but not in the API document: Imprint
# makes no variations, and a documented operation is one the server performs. Flask's own
# add_url_rule registers the route without flask-smorest's documentation of it.
flask.Blueprint.add_url_rule(blp, "/images/variations", view_func=image_variations, methods=["POST"])


@blp.route("/models")
class Models(MethodView):
    @openai_auth
    @blp.response(200, OpenAIModelListSchema)
    @_documented_errors(401, 429)
    @blp.doc(operationId="listModels")
    def get(self):
        """The model names Imprint routes (``OPENAI_COMPAT_MODELS``)."""
        return service.list_models(model_routes(current_app))


@blp.route("/models/<path:model_id>")
class Model(MethodView):
    @openai_auth
    @blp.response(200, OpenAIModelSchema)
    @_documented_errors(401, 404, 429)
    @blp.doc(operationId="retrieveModel")
    def get(self, model_id):
        """One routed model; 404 ``model_not_found`` for a name Imprint does not route."""
        return service.model_view(service.resolve_route(model_routes(current_app), model_id))

    @openai_auth
    @blp.response(403, OpenAIErrorSchema, description="Routed models are settings, not fine-tunes")
    @_documented_errors(401, 404, 429)
    @blp.doc(operationId="deleteModel")
    def delete(self, model_id):
        """Delete a fine-tuned model (OpenAI's ``models.delete``): Imprint's models are settings; 403."""
        route = service.resolve_route(model_routes(current_app), model_id)
        raise OpenAIError(403, f"The model '{route.name}' is routed by Imprint's settings "
                          "(OPENAI_COMPAT_MODELS) and cannot be deleted over the API.",
                          param="model", code="insufficient_permissions")


@blp.errorhandler(OpenAIError)
def _openai_error(error):
    return error_response(error)


@blp.errorhandler(RequestError)
def _request_error(error):
    return error_response(from_request_error(error))


@blp.errorhandler(GenerationFailed)
def _generation_failed(error):
    return error_response(from_generation_failed(error))


@blp.errorhandler(HTTPException)
def _http_error(error):
    data = getattr(error, "data", None) or {}
    headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")}
    return error_response(from_http(error.code or 500, data.get("message") or error.description,
                                    data.get("messages") or data.get("errors"), headers))


def _convert_other_errors(response):
    """Errors raised outside this blueprint's views (unknown /v1 routes, 405, 500, database 503)."""
    if request.path.startswith(PREFIX) and response.status_code >= 400 and response.is_json:
        return convert_app_error(response)
    return response


@blp.record_once
def _on_register(state):
    install_routes(state.app)
    state.app.after_request(_convert_other_errors)
