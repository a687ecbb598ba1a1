"""OpenAI's Images API request and response shapes (marshmallow, shown in the OpenAPI document).

Unknown fields are refused (400 naming ``param``); fields OpenAI defines that
Imprint cannot honour are refused with the reason (``stream``, a transparent
``background``). A few Imprint extras may be sent with the SDK's
``extra_body``: ``negative_prompt``, ``seed``, ``tags``, ``request_id``, ``imprint_style``, and a
prompt template with ``prompt_id``, ``prompt_label`` or ``prompt_version`` and ``variables``.
"""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from werkzeug.datastructures import FileStorage

from app.ai.catalog import FORMATS, MAX_N, QUALITIES, SIZES, STYLES
from app.prompts.labels import LABEL
from app.prompts.schemas import Variables
from app.prompts.templates import MAX_VERSION
from app.security.bounded import Integer, List

Text = fields.String
MAX_PROMPT = 32000  # gpt-image-1's limit
MAX_IMAGES = 16  # images per edit, as OpenAI allows
RESPONSE_FORMATS = ("url", "b64_json")
# What OpenAI's ImagesResponse allows; a value outside these is left out of the answer.
REPORTED_SIZES = ("1024x1024", "1024x1536", "1536x1024")
REPORTED_QUALITIES = ("low", "medium", "high")
REPORTED_BACKGROUNDS = ("transparent", "opaque")
MAX_IMAGE_URL = 20 * 1024 * 1024  # OpenAI's ImageRefParam.image_url maxLength
BACKGROUND = validate.OneOf(["opaque", "auto"], error="transparent backgrounds are not supported: "
                            "Imprint's providers make opaque images (use opaque or auto)")


def no_stream(value):
    """Streaming is refused (a function, not Equal(False): that would document ``enum: [false, null]``,
    which generated clients cannot type)."""
    if value:
        raise ValidationError("streaming is not supported; omit stream or send false")


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


JSON_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
              list: "an array", dict: "an object"}


def _json_type(field):
    """(Python types, name) a JSON body must send for ``field``; None when any value is checked later."""
    if isinstance(field, fields.Boolean):
        return (bool,), "a boolean"
    if isinstance(field, fields.Integer):
        return (int,), "an integer"
    if isinstance(field, fields.String):
        return (str,), "a string"
    if isinstance(field, fields.List):
        return (list,), "an array"
    if isinstance(field, fields.Nested):
        return (dict,), "an object"
    return None


class JsonBody(Schema):
    """A JSON body's values keep their JSON types: marshmallow alone turns ``"2"`` into 2 and
    ``"yes"`` into true, which OpenAI's schema (and OpenAI) refuse."""

    @pre_load
    def check_json_types(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data  # marshmallow refuses it with its own message
        problems = {}
        for name, field in self.fields.items():
            key, value, expected = field.data_key or name, data.get(field.data_key or name), _json_type(field)
            if value is None or expected is None:
                continue
            types, label = expected
            if not isinstance(value, types) or (types == (int,) and isinstance(value, bool)):
                problems[key] = [f"must be {label}, not {JSON_NAMES.get(type(value), 'that')}"]
        if problems:
            raise ValidationError(problems)
        return data


class _Common(Schema):
    """Fields shared by generations and edits; null means "not given", as the SDK may send it."""

    prompt = free_text(validate.Length(1, MAX_PROMPT), required=True)
    model = free_text(validate.Length(1, 100), allow_none=True,
                      metadata={"description": "a name from GET /v1/models; omitted: Imprint's default provider"})
    n = Integer(allow_none=True, validate=validate.Range(1, MAX_N))
    size = choice([*dict.fromkeys(SIZES), "auto"])
    quality = choice(QUALITIES)
    response_format = choice(RESPONSE_FORMATS,
                             metadata={"description": "default: b64_json for gpt-image* names, else url"})
    output_format = choice(FORMATS)
    output_compression = Integer(allow_none=True, validate=validate.Range(0, 100),
                                        metadata={"description": "recorded; Imprint encodes at its own settings"})
    background = choice(BACKGROUND)
    user = free_text(validate.Length(max=256), allow_none=True,
                     metadata={"description": "your end user; recorded in metadata.end_user"})
    safety_identifier = free_text(validate.Length(max=256), allow_none=True)
    stream = fields.Boolean(allow_none=True, validate=no_stream,
                            metadata={"description": "only false: Imprint does not stream"})
    partial_images = Integer(allow_none=True, validate=validate.Equal(0, error="needs streaming"))
    negative_prompt = free_text(validate.Length(max=2000), allow_none=True)
    seed = Integer(allow_none=True, validate=validate.Range(0, 2**32 - 1))
    tags = List(free_text(validate.Length(1, 64)), allow_none=True, validate=validate.Length(max=20))
    request_id = free_text(validate.Length(1, 200), allow_none=True,
                           metadata={"description": "idempotency key: the same id answers the same images"})


class ImageGenerationSchema(_Common, JsonBody):
    style = choice(["vivid", "natural"])
    imprint_style = choice(sorted(STYLES), metadata={"description": "one of Imprint's styles (an extra: "
                                                     "OpenAI's style is vivid or natural); wins over style"})
    moderation = choice(["low", "auto"])
    prompt_id = free_text(validate.Length(1, 100), allow_none=True,
                          metadata={"description": "an extra: render this prompt template (prompt fills its "
                                    "{prompt}); its saved settings apply under the request's own fields"})
    prompt_label = free_text(validate.Regexp(LABEL, error="not a label name"), allow_none=True,
                             metadata={"description": "an extra: the template version this label names"})
    prompt_version = Integer(allow_none=True, validate=validate.Range(1, MAX_VERSION),
                                    metadata={"description": "an extra: a template version; wins over prompt_label"})
    variables = Variables(allow_none=True, metadata={"description": "an extra: the template's; names of at "
                                                     "most 64 characters, values strings or numbers"})


class ImageEditSchema(_Common):
    """``POST /v1/images/edits``: multipart form fields and files, as the SDK sends them."""

    input_fidelity = choice(["low", "high"])
    image = List(FileUpload(), validate=validate.Length(max=MAX_IMAGES),
                        metadata={"description": "the image to edit (PNG, JPEG, WebP or GIF); several "
                                  "(also sent as image[]): the first is edited, the others guide it"})
    mask = FileUpload(metadata={"description": "PNG with alpha; transparent pixels mark what to change"})


class ImageRefSchema(Schema):
    """OpenAI's ImageRefParam: exactly one of ``image_url`` (a data URL here) and ``file_id``."""

    image_url = Text(validate=validate.Length(1, MAX_IMAGE_URL),
                     metadata={"description": "a data URL (data:image/png;base64,…); remote URLs are not fetched"})
    file_id = Text(validate=validate.Length(1, 200),
                   metadata={"description": "refused: Imprint has no Files API"})

    @validates_schema
    def exactly_one(self, data, **_kwargs):
        if ("image_url" in data) == ("file_id" in data):
            raise ValidationError("give exactly one of image_url and file_id")


class ImageEditJsonSchema(_Common, JsonBody):
    """``POST /v1/images/edits`` as JSON (OpenAI's EditImageBodyJsonParam): images by reference."""

    input_fidelity = choice(["low", "high"])
    moderation = choice(["low", "auto"])
    images = List(fields.Nested(ImageRefSchema), required=True, validate=validate.Length(1, MAX_IMAGES))
    mask = fields.Nested(ImageRefSchema, allow_none=True)


class ImageDataSchema(Schema):
    url = Text(metadata={"description": "absolute URL of the stored image"})
    b64_json = Text()
    revised_prompt = Text(allow_none=True)


class InputTokensDetailsSchema(Schema):
    text_tokens = Integer(required=True)
    image_tokens = Integer(required=True)


class ImageUsageSchema(Schema):
    input_tokens = Integer(required=True)
    output_tokens = Integer(required=True)
    total_tokens = Integer(required=True)
    input_tokens_details = fields.Nested(InputTokensDetailsSchema, required=True)


def reported(values, description):
    """A response field that is one of ``values`` or left out (OpenAI's schema has no null)."""
    return Text(validate=validate.OneOf(values), metadata={"description": description})


class ImagesResponseSchema(Schema):
    created = Integer(required=True)
    data = fields.List(fields.Nested(ImageDataSchema))
    background = reported(REPORTED_BACKGROUNDS, "the background of the images")
    output_format = reported(FORMATS, "the images' format")
    size = reported(REPORTED_SIZES, "left out when the images have another size")
    quality = reported(REPORTED_QUALITIES, "left out when the model has no such quality")
    usage = fields.Nested(ImageUsageSchema, metadata={"description": "when the provider counted tokens"})


class OpenAIModelSchema(Schema):
    id = Text()
    object = Text()
    created = Integer()
    owned_by = Text()


class OpenAIModelListSchema(Schema):
    object = Text()
    data = fields.List(fields.Nested(OpenAIModelSchema))


class OpenAIErrorDetailSchema(Schema):
    message = Text(required=True)
    type = Text(required=True)
    param = Text(required=True, allow_none=True)
    code = Text(required=True, allow_none=True)


class OpenAIErrorSchema(Schema):
    error = fields.Nested(OpenAIErrorDetailSchema, required=True)
