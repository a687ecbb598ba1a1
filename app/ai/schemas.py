"""Request and response schemas for /ai (marshmallow, shown in the OpenAPI document)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.history.schemas import ImageRecordSchema, PageArgs
from app.openapi import present
from app.prompts.labels import LABEL
from app.prompts.schemas import Variables
from app.prompts.templates import MAX_VERSION
from app.security.bounded import Boolean, Integer, List
from app.webhooks.endpoints import URL_DESCRIPTION, URL_PATTERN

from .catalog import ASPECT_RATIOS, FORMATS, MAX_N, PROMPT_TOOLS, QUALITIES, SIZES, STYLES
from .editor import FILTERS
from .providers import PROVIDERS

Text = fields.String


class _Options(Schema):
    """What a generation may set (shared by generate and regenerate)."""

    negative_prompt = Text(validate=validate.Length(max=2000))
    style = Text(validate=validate.OneOf(sorted(STYLES)))
    aspect_ratio = Text(validate=validate.OneOf(list(ASPECT_RATIOS)))
    size = Text(validate=validate.OneOf(SIZES), metadata={"description": "WxH; default from aspect_ratio"})
    quality = Text(validate=validate.OneOf(QUALITIES))
    format = Text(validate=validate.OneOf(FORMATS), metadata={"description": "output file format (png default)"})
    n = Integer(validate=validate.Range(1, MAX_N))
    background = Text(validate=validate.OneOf(["transparent", "opaque", "auto"]),
                      metadata={"description": "GPT image models; transparent needs format png"})
    moderation = Text(validate=validate.OneOf(["low", "auto"]), metadata={"description": "GPT image models"})
    output_compression = Integer(validate=validate.Range(0, 100),
                                        metadata={"description": "GPT image models, jpeg/webp output"})
    provider = Text(validate=validate.OneOf(sorted(PROVIDERS)))
    route = Text(validate=validate.Length(1, 64), metadata={"description": "a named route of AI_ROUTES: "
                                                                         "provider targets with fallbacks"})
    model = Text(validate=validate.Length(1, 100))
    seed = Integer(validate=validate.Range(0, 2**32 - 1))
    tags = List(Text(validate=validate.Length(1, 64)), validate=validate.Length(max=20), metadata={
        "description": "free tags the spend reports group by; an Imprint-Tags header (comma-separated) adds more, "
                       "20 in all"})
    end_user = Text(validate=validate.Length(1, 200), metadata={
        "description": "your own end user's id, recorded so spend reports can group by it"})
    request_id = Text(validate=validate.Length(1, 200), metadata={"description": "idempotency key"})
    message_id = Text(validate=validate.Length(max=200))
    run_async = Boolean(data_key="async", metadata={"description": "queue it (202 + job URL)"})
    webhook_url = Text(validate=validate.Length(1, 2000), metadata={
        "description": "POSTed generation.succeeded / generation.failed / job.cancelled, signed (Standard Webhooks); "
                       + URL_DESCRIPTION, "pattern": URL_PATTERN})


class GenerateRequestSchema(_Options):
    prompt = Text(validate=validate.Length(1, 4000), metadata={"example": "a lighthouse at dusk, watercolor"})
    dataset_id = fields.UUID()
    prompt_id = Text(validate=validate.Length(1, 100), metadata={"description": "a prompts-table template"})
    prompt_label = Text(validate=validate.Regexp(LABEL, error="not a label name"),
                        metadata={"description": "the template version this label names (production, staging, …)"})
    prompt_version = Integer(validate=validate.Range(1, MAX_VERSION),
                                    metadata={"description": "a template version; wins over prompt_label. Neither: "
                                              "the production label's version, else the latest"})
    variables = Variables()
    tool = Text(validate=validate.OneOf(PROMPT_TOOLS), metadata={"description": "image, avatar, anime, comic, icon"})
    difficulty = Integer(validate=validate.Range(1, 10), metadata={
        "description": "how hard the picture is (1-10), for cost by difficulty"})
    scene = Text(validate=validate.Length(1, 200), metadata={
        "description": "the scene shown; a template's `scene` variable when not given"})
    environment = Text(validate=validate.Length(1, 200), metadata={
        "description": "its environment; a template's `environment` variable when not given"})
    outfit = Text(validate=validate.Length(1, 200), metadata={
        "description": "the outfit worn; a template's `outfit` variable when not given"})

    @validates_schema
    def _prompt_or_template(self, data, **_):
        if not data.get("prompt") and not data.get("prompt_id"):
            raise ValidationError("prompt is required (or a prompt_id)", field_name="prompt")


class RegenerateRequestSchema(_Options):
    prompt = Text(validate=validate.Length(1, 4000), metadata={"description": "default: the original's"})


class AsyncQuerySchema(Schema):
    run_async = fields.Boolean(data_key="async", load_default=False)


class CostSchema(Schema):
    usd = fields.Float(allow_none=True, metadata={"description": "null = unknown price"})
    currency = Text()
    known = fields.Boolean()
    per_image_usd = fields.Float(allow_none=True)


class ImageSummarySchema(Schema):
    id = Text()
    image_url = Text()
    width = Integer()
    height = Integer()
    mime_type = Text()
    bytes = Integer()
    sha256 = Text()
    storage_provider = Text()
    revised_prompt = Text(allow_none=True)


class GenerateResponseSchema(Schema):
    id = Text()
    image_url = Text()
    caption = Text()
    prompt_used = Text()
    dataset_id = Text(allow_none=True)
    style = Text(allow_none=True)
    aspect_ratio = Text(allow_none=True)
    quality = Text(allow_none=True)
    format = Text(allow_none=True)
    resolution = Text(allow_none=True)
    reference_images_count = Integer()
    negative_prompt = Text(allow_none=True)
    tool_name = Text()
    provider = Text()
    model = Text(allow_none=True)
    size = Text(allow_none=True)
    n = Integer()
    request_id = Text(allow_none=True)
    prompt_id = Text(allow_none=True)
    parent_id = Text(allow_none=True)
    status = Text()
    cost = fields.Nested(CostSchema)
    tokens = fields.Dict(allow_none=True)
    images = fields.List(fields.Nested(ImageSummarySchema))
    created_at = Text()
    mode = Text(metadata={"description": "sync, or sync when async was asked without Redis"})
    notice = Text()


class JobSchema(Schema):
    id = fields.UUID()
    status = Text(metadata={"description": "queued, running, finished, failed, cancelled"})
    mode = Text()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    error = Text(allow_none=True)
    result = fields.Nested(GenerateResponseSchema, allow_none=True)
    failure = fields.Dict(allow_none=True)


class ImageListQuerySchema(PageArgs):
    """``limit`` with ``offset`` or with the ``cursor`` of the previous page (steady under new images)."""

    dataset_id = fields.UUID()
    status = Text(load_default="success", validate=validate.OneOf(["success", "failed", "all"]))
    tool_name = Text(validate=validate.Length(1, 64))


class ImageListSchema(Schema):
    items = fields.List(fields.Nested(ImageRecordSchema))
    total = Integer()
    limit = Integer()
    offset = Integer()
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as cursor for the next page; null at the end"})


class OperationSchema(Schema):
    op = Text(required=True, validate=validate.OneOf(["resize", "crop", "rotate", "flip", "filter", "text"]))
    width = Integer(validate=validate.Range(1, 4096))
    height = Integer(validate=validate.Range(1, 4096))
    box = List(Integer(validate=validate.Range(0, 8192)), validate=validate.Length(equal=4))
    degrees = fields.Float(validate=validate.Range(-360, 360))
    direction = Text(validate=validate.OneOf(["horizontal", "vertical"]))
    name = Text(validate=validate.OneOf(sorted(FILTERS)))
    text = Text(validate=validate.Length(1, 200))
    x = Integer(validate=validate.Range(0, 8192))
    y = Integer(validate=validate.Range(0, 8192))
    size = Integer(validate=validate.Range(8, 256))
    color = Text(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))

    REQUIRED = {"resize": ["width"], "crop": ["box"], "rotate": ["degrees"], "filter": ["name"], "text": ["text"]}

    @validates_schema
    def _fields_for_op(self, data, **_):
        missing = [name for name in self.REQUIRED.get(data.get("op"), []) if name not in data]
        if missing:
            raise ValidationError(f"{data['op']} needs {', '.join(missing)}", field_name=missing[0])


class EditRequestSchema(Schema):
    JSON_SCHEMA = {"anyOf": [present("image_id"), present("image_base64")]}

    image_id = fields.UUID(metadata={"description": "a generated image to edit"})
    image_base64 = Text(validate=validate.Length(1, 15_000_000), metadata={"description": "or an image"})
    operations = List(fields.Nested(OperationSchema), load_default=list, validate=validate.Length(max=20))
    instruction = Text(validate=validate.Length(1, 4000), metadata={"description": "a provider edit (openai, gemini)"})
    provider = Text(validate=validate.OneOf(["openai", "gemini"]))
    model = Text(validate=validate.Length(1, 100))
    format = Text(validate=validate.OneOf(FORMATS))
    request_id = Text(validate=validate.Length(1, 200))
    tags = List(Text(validate=validate.Length(1, 64)), validate=validate.Length(max=20))
    message_id = Text(validate=validate.Length(max=200))


MAX_CHART_VALUE = 1e15  # beyond it tick steps and sums lose every digit a chart could show


def _chart_value():
    return fields.Float(allow_nan=False, validate=validate.Range(-MAX_CHART_VALUE, MAX_CHART_VALUE))


class SeriesSchema(Schema):
    name = Text(validate=validate.Length(max=50))
    values = List(_chart_value(), required=True, validate=validate.Length(1, 50))


class ChartRequestSchema(Schema):
    type = Text(required=True, validate=validate.OneOf(["bar", "line", "pie"]))
    title = Text(validate=validate.Length(max=200))
    labels = List(Text(validate=validate.Length(max=50)), required=True, validate=validate.Length(1, 50))
    values = List(_chart_value(), validate=validate.Length(1, 50))
    series = List(fields.Nested(SeriesSchema), validate=validate.Length(1, 10))
    width = Integer(load_default=1024, validate=validate.Range(200, 2048))
    height = Integer(load_default=640, validate=validate.Range(200, 2048))
    format = Text(validate=validate.OneOf(FORMATS))
    request_id = Text(validate=validate.Length(1, 200))
    tags = List(Text(validate=validate.Length(1, 64)), validate=validate.Length(max=20))

    @validates_schema
    def _values_or_series(self, data, **_):
        if not data.get("values") and not data.get("series"):
            raise ValidationError("give values or series", field_name="values")
