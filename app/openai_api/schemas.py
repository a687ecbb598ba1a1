"""OpenAI's Images API request and response shapes (marshmallow, shown in the OpenAPI document).

Unknown fields are refused (400 naming ``param``); fields OpenAI defines that
Imprint cannot honour are refused with the reason (``stream``, a transparent
``background``). A few Imprint extras may be sent with the SDK's
``extra_body``: ``negative_prompt``, ``seed``, ``tags``, ``request_id``.
"""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from app.ai.catalog import FORMATS, MAX_N, QUALITIES, SIZES, STYLES

Text = fields.String
MAX_PROMPT = 32000  # gpt-image-1's limit
MAX_IMAGES = 16  # images per edit, as OpenAI allows
RESPONSE_FORMATS = ("url", "b64_json")
BACKGROUND = validate.OneOf(["opaque", "auto"], error="transparent backgrounds are not supported: "
                            "Imprint's providers make opaque images (use opaque or auto)")
NO_STREAM = validate.Equal(False, error="streaming is not supported; omit stream")


class _Common(Schema):
    """Fields shared by generations and edits; null means "not given", as the SDK may send it."""

    prompt = Text(required=True, validate=validate.Length(1, MAX_PROMPT))
    model = Text(allow_none=True, validate=validate.Length(1, 100),
                 metadata={"description": "a name from GET /v1/models; omitted: Imprint's default provider"})
    n = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_N))
    size = Text(allow_none=True, validate=validate.OneOf([*dict.fromkeys(SIZES), "auto"]))
    quality = Text(allow_none=True, validate=validate.OneOf(QUALITIES))
    response_format = Text(allow_none=True, validate=validate.OneOf(RESPONSE_FORMATS),
                           metadata={"description": "default: b64_json for gpt-image* names, else url"})
    output_format = Text(allow_none=True, validate=validate.OneOf(FORMATS))
    output_compression = fields.Integer(allow_none=True, validate=validate.Range(0, 100),
                                        metadata={"description": "recorded; Imprint encodes at its own settings"})
    background = Text(allow_none=True, validate=BACKGROUND)
    user = Text(allow_none=True, validate=validate.Length(max=256),
                metadata={"description": "your end user; recorded in metadata.end_user"})
    safety_identifier = Text(allow_none=True, validate=validate.Length(max=256))
    stream = fields.Boolean(allow_none=True, validate=NO_STREAM)
    partial_images = fields.Integer(allow_none=True, validate=validate.Equal(0, error="needs streaming"))
    negative_prompt = Text(allow_none=True, validate=validate.Length(max=2000))
    seed = fields.Integer(allow_none=True, validate=validate.Range(0, 2**32 - 1))
    tags = fields.List(Text(validate=validate.Length(1, 64)), allow_none=True, validate=validate.Length(max=20))
    request_id = Text(allow_none=True, validate=validate.Length(1, 200),
                      metadata={"description": "idempotency key: the same id answers the same images"})


class ImageGenerationSchema(_Common):
    style = Text(allow_none=True, validate=validate.OneOf(sorted(STYLES)),
                 metadata={"description": "vivid, natural, or one of Imprint's styles"})
    moderation = Text(allow_none=True, validate=validate.OneOf(["low", "auto"]))


class ImageEditSchema(_Common):
    """``POST /v1/images/edits``: multipart form fields and files, as the SDK sends them."""

    input_fidelity = Text(allow_none=True, validate=validate.OneOf(["low", "high"]))
    image = fields.List(Upload(), validate=validate.Length(max=MAX_IMAGES),
                        metadata={"description": "the image to edit (PNG, JPEG, WebP or GIF)"})
    images = fields.List(Upload(), data_key="image[]", validate=validate.Length(max=MAX_IMAGES),
                         metadata={"description": "several images: the first is edited, the others guide it"})
    mask = Upload(metadata={"description": "PNG with alpha; transparent pixels mark what to change"})


class ImageDataSchema(Schema):
    url = Text(metadata={"description": "absolute URL of the stored image"})
    b64_json = Text()
    revised_prompt = Text(allow_none=True)


class ImageUsageSchema(Schema):
    input_tokens = fields.Integer(allow_none=True)
    output_tokens = fields.Integer(allow_none=True)
    total_tokens = fields.Integer(allow_none=True)


class ImagesResponseSchema(Schema):
    created = fields.Integer()
    data = fields.List(fields.Nested(ImageDataSchema))
    background = Text(allow_none=True)
    output_format = Text(allow_none=True)
    size = Text(allow_none=True)
    quality = Text(allow_none=True)
    usage = fields.Nested(ImageUsageSchema, allow_none=True, metadata={"description": "when the provider counted tokens"})


class OpenAIModelSchema(Schema):
    id = Text()
    object = Text()
    created = fields.Integer()
    owned_by = Text()


class OpenAIModelListSchema(Schema):
    object = Text()
    data = fields.List(fields.Nested(OpenAIModelSchema))


class OpenAIErrorDetailSchema(Schema):
    message = Text()
    type = Text()
    param = Text(allow_none=True)
    code = Text(allow_none=True)


class OpenAIErrorSchema(Schema):
    error = fields.Nested(OpenAIErrorDetailSchema)
