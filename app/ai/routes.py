"""AI generation: ``POST /ai/generate``, jobs, generated images, tools. Datasets: ``app.datasets``."""

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal
from app.history import search
from app.history.schemas import ImageRecordSchema
from app.security.client import request_caller
from app.storage.routes import IMMUTABLE, serve_stored
from app.storage.schemas import VariantQuerySchema

from . import records, service, tools
from .errors import GenerationFailed
from .jobs import find_job
from .schemas import (
    AsyncQuerySchema,
    ChartRequestSchema,
    EditRequestSchema,
    GenerateRequestSchema,
    GenerateResponseSchema,
    ImageListQuerySchema,
    ImageListSchema,
    JobSchema,
    RegenerateRequestSchema,
)

blp = Blueprint("ai", __name__, url_prefix="/ai", description="AI image generation and its records")


@blp.errorhandler(GenerationFailed)
def _generation_failed(error):
    response = jsonify(error.body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _answer(outcome, notice=None):
    body = {**outcome.response, "mode": "sync"}
    if notice:
        body["notice"] = notice
    headers = {"Location": f"/ai/generated-images/{outcome.response['id']}"}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return body, 200 if outcome.replayed else 201, headers


def _queued(job):
    response = jsonify(JobSchema().dump(service.job_view(job)))
    response.status_code = 202
    response.headers["Location"] = f"/ai/jobs/{job.id}"
    return response


# What JSON Schema cannot say of an idempotency key: it was sent before with other fields.
REQUEST_ID_TAKEN = {"description": "The request_id was used with different parameters, or that request is still running"}


@blp.route("/generate")
class Generate(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(AsyncQuerySchema, location="query")
    @blp.arguments(GenerateRequestSchema)
    @blp.response(201, GenerateResponseSchema)
    @blp.alt_response(200, schema=GenerateResponseSchema, description="A replay of the same request_id")
    @blp.alt_response(409, **REQUEST_ID_TAKEN)
    @blp.alt_response(202, schema=JobSchema, description="Queued (async=true with Redis)")
    def post(self, query, payload):
        """Generate images; ``async=true`` queues it; ``request_id`` makes it idempotent."""
        run_async = bool(query.get("run_async") or payload.get("run_async"))
        generated = service.generate(payload, request_caller(current_principal()), run_async)
        if isinstance(generated, service.Queued):
            return _queued(generated.job)
        return _answer(generated.outcome, generated.notice)


@blp.route("/jobs/<uuid:job_id>")
class Job(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, JobSchema)
    def get(self, job_id):
        """A generation job's state; when finished, ``result`` is the synchronous answer."""
        job = find_job(current_principal(), job_id)
        if job is None:
            abort(404, message="job not found")
        return service.job_view(job)


@blp.route("/generated-images")
class GeneratedImages(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(ImageListQuerySchema, location="query")
    @blp.response(200, ImageListSchema)
    def get(self, query):
        """Your images, newest first (admins: everyone's; anonymous callers: none, each answer has its ids)."""
        items, total, next_cursor = records.query_generated_images(current_principal(), **query)
        return {"items": items, "total": total, "limit": query["limit"], "offset": query["offset"],
                "next_cursor": next_cursor}


@blp.route("/generated-images/<uuid:image_id>")
class GeneratedImage(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.response(200, ImageRecordSchema)
    def get(self, image_id):
        """One generated image record with all its metadata."""
        record = search.find_visible_image(current_principal(), image_id)
        if record is None:
            abort(404, message="image not found")
        return record


@blp.route("/generated-images/<uuid:image_id>/image")
class GeneratedImageFile(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(VariantQuerySchema, location="query", error_status_code=400)
    @blp.response(200, content_type="image/*", description="The image's bytes, or the variant asked for")
    @blp.alt_response(404, description="No such image, not yours, or a failed generation (no file)")
    def get(self, args, image_id):
        """The image at a stable URL on every storage backend; ``w``, ``h``, ``fit``, ``format`` and ``q``
        ask for a variant for the web (made once and kept, docs/storage.md)."""
        record = search.find_visible_image(current_principal(), image_id)
        if record is None or not record.storage_key:
            abort(404, message="image not found")
        cache = IMMUTABLE if record.user_id is None else "private, max-age=31536000, immutable"
        return serve_stored("generated-images", record.storage_key, args, record.mime_type or "image/png", cache)


@blp.route("/generated-images/<uuid:image_id>/regenerate")
class Regenerate(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(RegenerateRequestSchema)
    @blp.response(201, GenerateResponseSchema)
    @blp.alt_response(200, schema=GenerateResponseSchema, description="A replay of the same request_id")
    @blp.alt_response(409, **REQUEST_ID_TAKEN)
    def post(self, overrides, image_id):
        """Generate again from a record's saved settings (fields given here override them)."""
        return _answer(service.regenerate_image(request_caller(current_principal()), image_id, overrides))


@blp.route("/tools/edit")
class Edit(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(EditRequestSchema)
    @blp.response(201, GenerateResponseSchema)
    @blp.alt_response(200, schema=GenerateResponseSchema, description="A replay of the same request_id")
    @blp.alt_response(409, **REQUEST_ID_TAKEN)
    def post(self, payload):
        """imageEditor: resize, crop, rotate, flip, filters, text (Pillow); ``instruction`` → provider edit."""
        return _answer(tools.edit(service.plain_payload(payload), request_caller(current_principal())))


@blp.route("/tools/chart")
class Chart(MethodView):
    @auth_required(allow_anonymous=True)
    @blp.arguments(ChartRequestSchema)
    @blp.response(201, GenerateResponseSchema)
    @blp.alt_response(200, schema=GenerateResponseSchema, description="A replay of the same request_id")
    @blp.alt_response(409, **REQUEST_ID_TAKEN)
    def post(self, payload):
        """renderChart: a bar, line or pie chart from data, stored and recorded like any image."""
        return _answer(tools.chart(payload, request_caller(current_principal())))
