"""Schemas of releases: saved settings, labels and their moves, comparisons, ratings."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.choices import PROVIDER_NAMES, SIZES
from app.openapi import present
from app.security.bounded import Boolean, Integer, List

from .labels import LABEL
from .schemas import CamelSchema, Variables
from .templates import MAX_VERSION

LABEL_NAME = validate.Regexp(LABEL, error="a label is 1-50 lowercase letters, digits, '.', '_' or '-'")
MAX_ARMS = 4
MAX_SEEDS = 8
MAX_COMPARE_N = 2
MAX_CELLS = 32  # images one comparison may make


class LabelSchema(CamelSchema):
    label = fields.String()
    version = Integer()
    is_automatic = fields.Boolean(data_key="isAutomatic", metadata={"description": "latest: always the newest"})
    updated_by = fields.UUID(data_key="updatedBy", allow_none=True)
    updated_at = fields.DateTime(data_key="updatedAt")


class LabelMoveBodySchema(CamelSchema):
    version = Integer(required=True, validate=validate.Range(1, MAX_VERSION))


class LabelMoveSchema(CamelSchema):
    id = fields.UUID()
    prompt_id = fields.String(data_key="promptId")
    label = fields.String()
    from_version = Integer(data_key="fromVersion", allow_none=True, metadata={"description": "null: newly set"})
    to_version = Integer(data_key="toVersion", allow_none=True, metadata={"description": "null: removed"})
    moved_by = fields.UUID(data_key="movedBy", allow_none=True)
    moved_by_name = fields.String(data_key="movedByName", allow_none=True)
    moved_at = fields.DateTime(data_key="movedAt")


class LabelHistoryArgs(Schema):
    label = fields.String(validate=LABEL_NAME)
    limit = Integer(load_default=50, validate=validate.Range(1, 200))


class ArmSchema(CamelSchema):
    """One side of a comparison: a version (by number or label) and, optionally, another provider or model."""

    version = Integer(validate=validate.Range(1, MAX_VERSION))
    label = fields.String(validate=LABEL_NAME)
    provider = fields.String(validate=validate.OneOf(sorted(PROVIDER_NAMES)))
    model = fields.String(validate=validate.Length(1, 100))

    @validates_schema
    def _one_version(self, data, **_):
        if "version" in data and "label" in data:
            raise ValidationError("give a version or a label, not both", field_name="label")


class CompareSchema(CamelSchema):
    arms = List(fields.Nested(ArmSchema), required=True, validate=validate.Length(2, MAX_ARMS),
                       metadata={"description": "two or more versions, or one version through two models"})
    seeds = List(Integer(validate=validate.Range(0, 2**32 - 1)), required=True,
                 validate=validate.Length(1, MAX_SEEDS), metadata={"uniqueItems": True})
    variables = Variables(load_default=dict)
    prompt = fields.String(validate=validate.Length(1, 4000), metadata={"description": "fills {prompt}"})
    n = Integer(load_default=1, validate=validate.Range(1, MAX_COMPARE_N),
                       metadata={"description": "images per arm and seed"})
    size = fields.String(validate=validate.OneOf(SIZES))
    run_async = Boolean(data_key="async", load_default=False,
                        metadata={"description": "queue it (202); small comparisons may still run now"})

    @validates_schema
    def _bounded(self, data, **_):
        cells = len(data.get("arms") or ()) * len(data.get("seeds") or ()) * data.get("n", 1)
        if cells > MAX_CELLS:
            raise ValidationError(f"at most {MAX_CELLS} images (arms x seeds x n)", field_name="seeds")
        if len(set(data.get("seeds") or ())) != len(data.get("seeds") or ()):
            raise ValidationError("seeds must differ", field_name="seeds")


class RatingFiguresSchema(CamelSchema):
    rating_count = Integer(data_key="ratingCount")
    average_score = fields.Float(data_key="averageScore", allow_none=True, metadata={"description": "1-5"})
    thumbs_up = Integer(data_key="thumbsUp")
    thumbs_down = Integer(data_key="thumbsDown")


class CellSchema(CamelSchema):
    arm = Integer()
    seed = Integer()
    prompt_version = Integer(data_key="promptVersion", allow_none=True)
    image_id = fields.UUID(data_key="imageId", allow_none=True)
    image_url = fields.String(data_key="imageUrl", allow_none=True)
    status = fields.String()
    error = fields.String(allow_none=True)
    cost_usd = fields.Float(data_key="costUsd", allow_none=True)
    duration_ms = Integer(data_key="durationMs", allow_none=True)
    rating = fields.Nested(RatingFiguresSchema)


class ArmSummarySchema(CamelSchema):
    arm = Integer()
    version = Integer(allow_none=True)
    label = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    images = Integer()
    failures = Integer()
    cost_usd = fields.Float(data_key="costUsd", allow_none=True, metadata={"description": "null: a price unknown"})
    avg_duration_ms = fields.Float(data_key="avgDurationMs", allow_none=True)
    rating = fields.Nested(RatingFiguresSchema)


class ComparisonSchema(CamelSchema):
    id = fields.UUID()
    prompt_id = fields.String(data_key="promptId")
    status = fields.String(metadata={"description": "queued, running, finished"})
    arms = fields.List(fields.Nested(ArmSummarySchema))
    seeds = fields.List(Integer())
    n = Integer()
    variables = fields.Dict(allow_none=True)
    cells = fields.List(fields.Nested(CellSchema))
    created_at = fields.DateTime(data_key="createdAt")
    finished_at = fields.DateTime(data_key="finishedAt", allow_none=True)


class ComparisonListArgs(Schema):
    limit = Integer(load_default=20, validate=validate.Range(1, 100))


class RatingBodySchema(CamelSchema):
    JSON_SCHEMA = {"oneOf": [present("score"), present("thumb")]}

    score = Integer(allow_none=True, validate=validate.Range(1, 5))
    thumb = fields.String(allow_none=True, validate=validate.OneOf(["up", "down"]))
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _score_or_thumb(self, data, **_):
        if (data.get("score") is None) == (data.get("thumb") is None):
            raise ValidationError("give a score (1-5) or a thumb (up or down)", field_name="score")


class RatingSchema(CamelSchema):
    image_id = fields.UUID(data_key="imageId")
    user_id = fields.UUID(data_key="userId")
    score = Integer(allow_none=True)
    thumb = fields.Function(lambda r: None if r.thumbs_up is None else ("up" if r.thumbs_up else "down"),
                            allow_none=True, metadata={"type": "string", "description": "up, down or null"})
    comment = fields.String(allow_none=True)
    prompt_id = fields.String(data_key="promptId", allow_none=True)
    prompt_version = Integer(data_key="promptVersion", allow_none=True)
    created_at = fields.DateTime(data_key="createdAt")
    updated_at = fields.DateTime(data_key="updatedAt")


class ImageRatingsSchema(CamelSchema):
    image_id = fields.UUID(data_key="imageId")
    figures = fields.Nested(RatingFiguresSchema)
    mine = fields.Nested(RatingSchema, allow_none=True)
    ratings = fields.List(fields.Nested(RatingSchema))
