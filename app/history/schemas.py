"""Query arguments and answers of the history endpoints, and the generated-image record as /ai shows it.

Every query schema refuses unknown parameters, and every refusal is a 400
naming the field (the routes pass ``error_status_code=400``).
"""

import re
from datetime import UTC, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.security.bounded import Integer
from app.storage.images import image_url_for

from .cursor import PATTERN as CURSOR_PATTERN
from .cursor import decode_cursor

MAX_LIMIT = 200
MAX_OFFSET = 100_000
MAX_WINDOW = timedelta(days=400)
MAX_CURSOR = 49  # sixteen digits, a dash, 32 hex digits
# 1m to 400d, as a pattern the document can state: every string it matches is a window the server takes.
WINDOW_PATTERN = (r"^(?:(?:[1-9][0-9]{0,4})m|(?:[1-9][0-9]{0,2}|[1-8][0-9]{3}|9[0-5][0-9]{2}|9600)h"
                  r"|(?:[1-9][0-9]?|[1-3][0-9]{2}|400)d|(?:[1-9]|[1-4][0-9]|5[0-7])w)$")
_WINDOW = re.compile(WINDOW_PATTERN)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Window(fields.Field):
    """A duration such as ``15m``, ``24h``, ``30d`` or ``2w``."""

    def __init__(self, **kwargs):
        metadata = {"description": f"a duration like 15m, 24h, 30d or 2w, at most {MAX_WINDOW.days}d",
                    "pattern": WINDOW_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata={"type": "string", **metadata}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _WINDOW.match(value):
            raise ValidationError(f"a duration like 15m, 24h, 30d or 2w, at most {MAX_WINDOW.days}d")
        return timedelta(**{_UNITS[value[-1]]: int(value[:-1])})


class Cursor(fields.String):
    """The ``next_cursor`` of a previous page."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=MAX_CURSOR), **kwargs,
                         metadata={"description": "The next_cursor of the previous page", "pattern": CURSOR_PATTERN})

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return decode_cursor(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as error:
            raise ValidationError("malformed cursor; pass back a next_cursor unchanged") from error


def _when(name):
    return fields.AwareDateTime(default_timezone=UTC, data_key=name)


class PageArgs(Schema):
    limit = Integer(load_default=50, validate=validate.Range(1, MAX_LIMIT))
    # With a cursor, offset skips that many rows after it: the two compose as a keyset and an OFFSET do.
    offset = Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET),
                     metadata={"description": "rows to skip (after the cursor's, with one)"})
    cursor = Cursor()


class RangeArgs(Schema):
    date_from = _when("from")
    date_to = _when("to")

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("'to' is before 'from'", "to")


_text = validate.Length(1, 200)
STATUSES = ("success", "failed")


class ImageFilterArgs(RangeArgs):
    user = fields.UUID()
    tool = fields.String(validate=_text)
    status = fields.String(validate=validate.OneOf(STATUSES))
    tag = fields.String(validate=_text)
    dataset = fields.UUID()
    model = fields.String(validate=_text)
    provider = fields.String(validate=_text)
    meta_key = fields.String(validate=validate.Length(1, 100))
    meta_value = fields.String(validate=validate.Length(0, 500))
    q = fields.String(validate=_text, metadata={"description": "Text searched in the prompt"})

    @validates_schema
    def _meta_pair(self, data, **kwargs):
        if ("meta_key" in data) != ("meta_value" in data):
            missing = "meta_value" if "meta_key" in data else "meta_key"
            raise ValidationError("meta_key and meta_value go together", missing)


class ImageQueryArgs(ImageFilterArgs, PageArgs):
    pass


class LogFilterArgs(RangeArgs):
    user = fields.UUID()
    tool = fields.String(validate=_text)
    status = fields.String(validate=validate.OneOf(STATUSES))
    style = fields.String(validate=_text)
    difficulty = Integer(validate=validate.Range(-1000, 1000))
    model = fields.String(validate=_text)
    provider = fields.String(validate=_text)
    job_id = fields.String(validate=_text)
    request_id = fields.String(validate=validate.Length(1, 128),
                               metadata={"description": "The X-Request-ID of the request that asked"})
    trace_id = fields.String(validate=validate.Regexp(r"^[0-9a-f]{32}$", error="must be 32 lowercase hex digits"),
                             metadata={"description": "The W3C trace id of that request"})
    q = fields.String(validate=_text, metadata={"description": "Text searched in error_message"})


class LogQueryArgs(LogFilterArgs, PageArgs):
    pass


class ImageSchema(Schema):
    id = fields.UUID()
    user_id = fields.UUID(allow_none=True)
    username = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    tool_name = fields.String()
    prompt = fields.String()
    model = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    size = fields.String(allow_none=True)
    quality = fields.String(allow_none=True)
    style = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    storage_url = fields.String(allow_none=True)
    storage_provider = fields.String(allow_none=True)
    mime_type = fields.String(allow_none=True)
    bytes = Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    tags = fields.List(fields.String(), allow_none=True)
    status = fields.String()
    error = fields.String(allow_none=True)
    metadata = fields.Dict(attribute="meta", allow_none=True)
    dataset_id = fields.UUID(allow_none=True)
    prompt_id = fields.String(allow_none=True)
    cost_usd = fields.Float(allow_none=True)
    duration_ms = Integer(allow_none=True)
    country = fields.String(allow_none=True)
    created_at = fields.DateTime()


class LogSchema(Schema):
    id = fields.UUID()
    user_id = fields.UUID(allow_none=True)
    job_id = fields.String(allow_none=True)
    style = fields.String(allow_none=True)
    difficulty = Integer(allow_none=True)
    duration_ms = Integer(allow_none=True)
    costs = fields.Dict(allow_none=True)
    tokens = fields.Dict(allow_none=True)
    success = fields.Boolean(allow_none=True)
    error_message = fields.String(allow_none=True)
    scene = fields.String(allow_none=True)
    tool_name = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    image_id = fields.UUID(allow_none=True)
    steps = fields.Dict(allow_none=True)
    country = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True, metadata={"description": "X-Request-ID of the request that asked"})
    trace_id = fields.String(allow_none=True, metadata={"description": "W3C trace id of that request"})
    created_at = fields.DateTime()


class ImagePageSchema(Schema):
    items = fields.List(fields.Nested(ImageSchema))
    limit = Integer()
    offset = Integer()
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page"})


class LogPageSchema(Schema):
    items = fields.List(fields.Nested(LogSchema))
    limit = Integer()
    offset = Integer()
    next_cursor = fields.String(allow_none=True)


class ImageStatsSchema(Schema):
    total_images = Integer()
    unique_users = Integer()
    successful = Integer()
    failed = Integer()
    avg_file_size = fields.Float(allow_none=True)


class ImageRecordSchema(Schema):
    id = fields.UUID()
    request_id = fields.String(allow_none=True)
    user_id = fields.UUID(allow_none=True)
    username = fields.String(allow_none=True)
    tool_name = fields.String()
    prompt = fields.String()
    full_prompt = fields.String(allow_none=True)
    negative_prompt = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    provider = fields.String(allow_none=True)
    size = fields.String(allow_none=True)
    quality = fields.String(allow_none=True)
    style = fields.String(allow_none=True)
    n = Integer(allow_none=True)
    image_url = fields.Method("_url")
    storage_url = fields.String(allow_none=True)
    storage_provider = fields.String(allow_none=True)
    storage_key = fields.String(allow_none=True)
    mime_type = fields.String(allow_none=True)
    bytes = Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    width = Integer(allow_none=True)
    height = Integer(allow_none=True)
    tags = fields.List(fields.String(), allow_none=True)
    status = fields.String()
    error = fields.String(allow_none=True)
    metadata = fields.Dict(attribute="meta", allow_none=True)
    message_id = fields.String(allow_none=True)
    dataset_id = fields.UUID(allow_none=True)
    prompt_id = fields.String(allow_none=True)
    parent_id = fields.UUID(allow_none=True)
    aspect_ratio = fields.String(allow_none=True)
    format = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    reference_images_count = Integer(allow_none=True)
    unique_visual_elements = fields.List(fields.String(), allow_none=True)
    cost_usd = fields.Float(allow_none=True, metadata={"description": "null = unknown"})
    duration_ms = Integer(allow_none=True)
    created_at = fields.DateTime()

    def _url(self, record):
        return image_url_for(record)
