"""OpenAI's Images API request and response shapes (marshmallow, shown in the OpenAPI document).

Unknown fields are refused (400 naming ``param``); fields OpenAI defines that
Imprint cannot honour are refused with the reason (``stream``, a transparent
``background``). A few Imprint extras may be sent with the SDK's
``extra_body``: ``negative_prompt``, ``seed``, ``tags``, ``request_id``.
"""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from app.ai.catalog import FORMATS, MAX_N, QUALITIES, SIZES, STYLES

Text = fields.String
MAX_PROMPT = 32000  # gpt-image-1's limit
MAX_IMAGES = 16  # images per edit, as OpenAI allows
RESPONSE_FORMATS = ("url", "b64_json")
BACKGROUND = validate.OneOf(["opaque", "auto"], error="transparent backgrounds are not supported: "
                            "Imprint's providers make opaque images (use opaque or auto)")
NO_STREAM = validate.Equal(False, error="streaming is not supported; omit stream")


def free_text(length, **options):
    """A client-written text field, bounded (NUL is refused for every endpoint: app/security/text_input.py)."""
    return fields.String(validate=[length], **options)


def choice(values, **options):
    """One of ``values`` (or a OneOf validator with its own message); null = not given."""
    check = values if isinstance(values, validate.Validator) else validate.OneOf(values)
    return fields.String(validate=check, allow_none=True, **options)


class FileUpload(Upload):
    """A multipart file part; the same name sent as a plain form field is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("must be a file (a multipart part with a filename)")
        return value


class _Common(Schema):
    """Fields shared by generations and edits; null means "not given", as the SDK may send it."""

    prompt = free_text(validate.Length(1, MAX_PROMPT), required=True)
    model = free_text(validate.Length(1, 100), allow_none=True,
                      metadata={"description": "a name from GET /v1/models; omitted: Imprint's default provider"})
    n = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_N))
    size = choice([*dict.fromkeys(SIZES), "auto"])
    quality = choice(QUALITIES)
    response_format = choice(RESPONSE_FORMATS,
                             metadata={"description": "default: b64_json for gpt-image* names, else url"})
    output_format = choice(FORMATS)
    output_compression = fields.Integer(allow_none=True, validate=validate.Range(0, 100),
                                        metadata={"description": "recorded; Imprint encodes at its own settings"})
    background = choice(BACKGROUND)
    user = free_text(validate.Length(max=256), allow_none=True,
                     metadata={"description": "your end user; recorded in metadata.end_user"})
    safety_identifier = free_text(validate.Length(max=256), allow_none=True)
    stream = fields.Boolean(allow_none=True, validate=NO_STREAM)
    partial_images = fields.Integer(allow_none=True, validate=validate.Equal(0, error="needs streaming"))
    negative_prompt = free_text(validate.Length(max=2000), allow_none=True)
    seed = fields.Integer(allow_none=True, validate=validate.Range(0, 2**32 - 1))
    tags = fields.List(free_text(validate.Length(1, 64)), allow_none=True, validate=validate.Length(max=20))
    request_id = free_text(validate.Length(1, 200), allow_none=True,
                           metadata={"description": "idempotency key: the same id answers the same images"})


class ImageGenerationSchema(_Common):
    style = choice(sorted(STYLES), metadata={"description": "vivid, natural, or one of Imprint's styles"})
    moderation = choice(["low", "auto"])


class ImageEditSchema(_Common):
    """``POST /v1/images/edits``: multipart form fields and files, as the SDK sends them."""

    input_fidelity = choice(["low", "high"])
    image = fields.List(FileUpload(), validate=validate.Length(max=MAX_IMAGES),
                        metadata={"description": "the image to edit (PNG, JPEG, WebP or GIF)"})
    images = fields.List(FileUpload(), data_key="image[]", validate=validate.Length(max=MAX_IMAGES),
                         metadata={"description": "several images: the first is edited, the others guide it"})
    mask = FileUpload(metadata={"description": "PNG with alpha; transparent pixels mark what to change"})


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
