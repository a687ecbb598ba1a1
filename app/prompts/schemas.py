"""Schemas: JSON bodies are camelCase, as the prompts API has always answered; snake_case keys are accepted on input."""

import re
from collections.abc import Mapping

from marshmallow import Schema, ValidationError, fields, pre_dump, pre_load, validate, validates

from app.choices import ASPECT_RATIOS, FORMATS, PROVIDER_NAMES, QUALITIES, SIZES, STYLES
from app.history.cursor import PATTERN as CURSOR_PATTERN
from app.history.schemas import MAX_CURSOR
from app.security.bounded import Boolean, Dict, Integer, List

from .stats import success_rate
from .syntax import (
    MAX_NAME_LENGTH,
    MAX_VARIABLES,
    VALUE_SCHEMA,
    BadVariable,
    check_variables,
    template_variables,
)
from .templates import ID_PATTERN, MAX_SLUG, MAX_VERSION

SHORT = validate.Length(max=200)
LONG = validate.Length(max=10_000)


class CamelSchema(Schema):
    @pre_load
    def accept_snake_case(self, data, **kwargs):
        """Let ``prompt_id`` stand for ``promptId`` (and so on) when the camelCase key is absent."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for name, field in self.fields.items():
            key = field.data_key
            if key and key != name and name in data and key not in data:
                data[key] = data.pop(name)
        return data


def _check_variables(value):
    try:
        check_variables(value)
    except BadVariable as error:
        raise ValidationError(str(error)) from None


def Variables(**kwargs):  # noqa: N802 - a field, named like one
    """A template's variables: names of at most 64 characters, values strings or numbers."""
    metadata = {"description": f"name → value; names of at most {MAX_NAME_LENGTH} characters (a name no "
                               f"placeholder has fills nothing), values strings or numbers",
                **kwargs.pop("metadata", {})}
    return Dict(keys=fields.String(), values=fields.Raw(metadata=VALUE_SCHEMA), metadata=metadata,
                validate=[validate.Length(max=MAX_VARIABLES), _check_variables], **kwargs)


Tag = fields.String(validate=validate.Length(1, 50))


class ProviderOptionsSchema(Schema):
    """Provider options a version may save (the same names as POST /ai/generate's)."""

    background = fields.String(validate=validate.OneOf(["transparent", "opaque", "auto"]))
    moderation = fields.String(validate=validate.OneOf(["low", "auto"]))
    output_compression = Integer(validate=validate.Range(0, 100))
    format = fields.String(validate=validate.OneOf(FORMATS))


class SettingsSchema(Schema):
    """Generation settings saved with a version; a request's own fields override them."""

    provider = fields.String(validate=validate.OneOf(sorted(PROVIDER_NAMES)))
    model = fields.String(validate=validate.Length(1, 100))
    size = fields.String(validate=validate.OneOf(SIZES))
    aspect_ratio = fields.String(validate=validate.OneOf(list(ASPECT_RATIOS)))
    quality = fields.String(validate=validate.OneOf(QUALITIES))
    style = fields.String(validate=validate.OneOf(sorted(STYLES)))
    options = fields.Nested(ProviderOptionsSchema)


class PromptCreateSchema(CamelSchema):
    id = fields.String(required=True, validate=validate.Length(1, MAX_SLUG),
                       metadata={"description": "a slug, e.g. portrait-selfie-casual", "pattern": ID_PATTERN})
    name = fields.String(required=True, validate=validate.Length(1, 200))
    category = fields.String(allow_none=True, validate=validate.Length(max=100))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    template = fields.String(required=True, validate=validate.Length(1, 10_000),
                             metadata={"description": "text with named placeholders such as {scene}"})
    negative_prompt = fields.String(data_key="negativePrompt", allow_none=True, validate=LONG)
    tags = List(Tag, allow_none=True, validate=validate.Length(max=32))
    is_active = Boolean(data_key="isActive", load_default=True)
    settings = fields.Nested(SettingsSchema, allow_none=True,
                             metadata={"description": "generation settings saved with the version; a request's "
                                       "own fields override them (a change makes a new version)"})


class PromptUpdateSchema(PromptCreateSchema):
    class Meta:
        exclude = ("id",)


class PromptSchema(CamelSchema):
    id = fields.String()
    name = fields.String()
    category = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    template = fields.String()
    negative_prompt = fields.String(data_key="negativePrompt", allow_none=True)
    variables = fields.List(fields.String(), metadata={"description": "the placeholders the template uses"})
    tags = fields.List(fields.String())
    is_active = Boolean(data_key="isActive")
    version = Integer()
    settings = fields.Dict(allow_none=True, metadata={"description": "the latest version's saved settings"})
    usage_count = Integer(data_key="usageCount")
    success_count = Integer(data_key="successCount")
    success_rate = fields.Float(data_key="successRate", metadata={"description": "percentage"})
    is_favorite = Boolean(data_key="isFavorite")
    created_at = fields.DateTime(data_key="createdAt")
    updated_at = fields.DateTime(data_key="updatedAt")

    @pre_dump
    def present(self, item, **kwargs):
        """A Prompt, or (Prompt, is_favorite) from a list, with its derived fields."""
        prompt, is_favorite = item if isinstance(item, tuple) else (item, None)
        data = {column.key: getattr(prompt, column.key) for column in prompt.__table__.columns}
        data["tags"] = data["tags"] or []
        data["variables"] = template_variables(prompt.template, prompt.negative_prompt)
        data["success_rate"] = success_rate(prompt.success_count, prompt.usage_count)
        if is_favorite is not None:
            data["is_favorite"] = is_favorite
        return data


class PromptListArgs(Schema):
    category = fields.String(validate=validate.Length(max=100))
    tag = fields.String(validate=validate.Length(max=50))
    include_inactive = fields.Boolean(load_default=False)
    favorites_first = fields.Boolean(load_default=False,
                                     metadata={"description": "the caller's favorites first (needs a key)"})
    limit = Integer(load_default=50, validate=validate.Range(1, 100))
    offset = Integer(load_default=0, validate=validate.Range(0, 100_000))


class VersionSchema(CamelSchema):
    prompt_id = fields.String(data_key="promptId")
    version = Integer()
    name = fields.String()
    template = fields.String()
    negative_prompt = fields.String(data_key="negativePrompt", allow_none=True)
    settings = fields.Dict(allow_none=True)
    labels = fields.List(fields.String(), metadata={"description": "the labels naming this version"})
    created_at = fields.DateTime(data_key="createdAt")

    @pre_dump
    def present(self, item, **kwargs):
        """A PromptVersion, or (PromptVersion, labels) from a listing."""
        version, labels = item if isinstance(item, tuple) else (item, None)
        data = {column.key: getattr(version, column.key) for column in version.__table__.columns}
        if labels is not None:
            data["labels"] = labels
        return data


class RenderSchema(CamelSchema):
    variables = Variables(load_default=dict)
    prompt_version = Integer(data_key="promptVersion", validate=validate.Range(1, MAX_VERSION),
                                    metadata={"description": "wins over promptLabel"})
    version = Integer(validate=validate.Range(1, MAX_VERSION), metadata={"description": "promptVersion"})
    prompt_label = fields.String(data_key="promptLabel", validate=validate.Length(1, 50),
                                 metadata={"description": "neither: the production label's version, else the latest"})


class RenderedSchema(CamelSchema):
    prompt_id = fields.String(data_key="promptId")
    version = Integer()
    label = fields.String(allow_none=True, metadata={"description": "the label that chose the version"})
    settings = fields.Dict(allow_none=True, metadata={"description": "the version's saved generation settings"})
    prompt = fields.String()
    negative_prompt = fields.String(data_key="negativePrompt", allow_none=True)


class StatsArgs(Schema):
    version = Integer(validate=validate.Range(1, MAX_VERSION))


class PromptStatsSchema(CamelSchema):
    prompt_id = fields.String(data_key="promptId")
    version = Integer(allow_none=True)
    total_usage = Integer(data_key="totalUsage")
    success_count = Integer(data_key="successCount")
    failure_count = Integer(data_key="failureCount")
    success_rate = fields.Float(data_key="successRate", metadata={"description": "percentage"})
    avg_generation_time_ms = fields.Float(data_key="avgGenerationTimeMs", allow_none=True)
    last_used_at = fields.DateTime(data_key="lastUsedAt", allow_none=True)
    rating_count = Integer(data_key="ratingCount")
    average_score = fields.Float(data_key="averageScore", allow_none=True, metadata={"description": "1-5"})
    thumbs_up = Integer(data_key="thumbsUp")
    thumbs_down = Integer(data_key="thumbsDown")


class TopArgs(Schema):
    limit = Integer(load_default=10, validate=validate.Range(1, 100))


class SceneStatsSchema(CamelSchema):
    scene = fields.String(allow_none=True)
    usage_count = Integer(data_key="usageCount")
    success_count = Integer(data_key="successCount")
    success_rate = fields.Float(data_key="successRate")
    avg_generation_time_ms = fields.Float(data_key="avgGenerationTimeMs", allow_none=True)


class UsageFieldsSchema(CamelSchema):
    """What recording a post takes, besides the ids."""

    character_id = fields.String(data_key="characterId", allow_none=True, validate=SHORT)
    job_id = fields.String(data_key="jobId", allow_none=True, validate=SHORT)
    scene = fields.String(allow_none=True, validate=SHORT)
    environment = fields.String(allow_none=True, validate=SHORT)
    outfit = fields.String(allow_none=True, validate=SHORT)
    prompt = fields.String(allow_none=True, validate=LONG)
    negative_prompt = fields.String(data_key="negativePrompt", allow_none=True, validate=LONG)
    success = Boolean(load_default=True)
    generation_time_ms = Integer(data_key="generationTimeMs", allow_none=True,
                                 validate=validate.Range(0, 86_400_000))
    error_message = fields.String(data_key="errorMessage", allow_none=True, validate=validate.Length(max=2000))
    prompt_version = Integer(data_key="promptVersion", allow_none=True, validate=validate.Range(1, MAX_VERSION),
                                    metadata={"description": "default: the template's current version"})


class UsageCreateSchema(UsageFieldsSchema):
    post_id = fields.UUID(data_key="postId", allow_none=True)
    variables = Variables(allow_none=True)


class UsageRecordedSchema(CamelSchema):
    usage_id = fields.UUID(data_key="usageId", allow_none=True)


# empty, an http(s) URL or a path
IMAGE_URL = r"^(?:(?:https?://|/)[^\x00]*)?$"


class PostCreateSchema(UsageFieldsSchema):
    prompt_id = fields.String(data_key="promptId", allow_none=True, validate=validate.Length(max=100))
    image_url = fields.String(data_key="imageUrl", allow_none=True, validate=validate.Length(max=2048),
                              metadata={"description": "an http(s) URL or a path", "pattern": IMAGE_URL})
    generated_image_id = fields.UUID(data_key="generatedImageId", allow_none=True)

    @validates("image_url")
    def _http_url(self, value, **kwargs):
        if not re.fullmatch(IMAGE_URL, value or ""):
            raise ValidationError("must be an http(s) URL or a path")


class PostSchema(CamelSchema):
    id = fields.UUID()
    user_id = fields.UUID(data_key="userId", allow_none=True)
    prompt_id = fields.String(data_key="promptId", allow_none=True)
    character_id = fields.String(data_key="characterId", allow_none=True)
    job_id = fields.String(data_key="jobId", allow_none=True)
    scene = fields.String(allow_none=True)
    environment = fields.String(allow_none=True)
    outfit = fields.String(allow_none=True)
    image_url = fields.String(data_key="imageUrl", allow_none=True)
    prompt = fields.String(allow_none=True)
    negative_prompt = fields.String(data_key="negativePrompt", allow_none=True)
    generated_image_id = fields.UUID(data_key="generatedImageId", allow_none=True)
    created_at = fields.DateTime(data_key="createdAt")
    usage_id = fields.UUID(data_key="usageId", allow_none=True,
                           metadata={"description": "the prompt_usage event recorded (on creation)"})


class PostListArgs(CamelSchema):
    prompt_id = fields.String(data_key="promptId", validate=validate.Length(max=100))
    character_id = fields.String(data_key="characterId", validate=SHORT)
    user_id = fields.UUID(data_key="userId", metadata={"description": "admins only; others see their own"})
    limit = Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(validate=[validate.Length(max=MAX_CURSOR),
                                     validate.Regexp(CURSOR_PATTERN, error="not a cursor; use the X-Next-Cursor "
                                                     "of the previous page")],
                           metadata={"description": "X-Next-Cursor"})
