"""Request and response schemas for /ai/datasets (marshmallow, shown in the OpenAPI document)."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.openapi import present
from app.security.bounded import Integer, List
from app.storage import fresh_url

Text = fields.String


class DatasetCreateSchema(Schema):
    JSON_SCHEMA = {"anyOf": [present("name"), present("brand_name")]}

    name = Text(validate=validate.Length(1, 200))
    brand_name = Text(validate=validate.Length(1, 200))
    vibe = Text(validate=validate.Length(max=2000))
    description = Text(validate=validate.Length(max=4000))
    unique_visual_elements = List(Text(validate=validate.Length(1, 200)), validate=validate.Length(max=30))

    @validates_schema
    def _named(self, data, **_):
        if not data.get("name") and not data.get("brand_name"):
            raise ValidationError("name (or brand_name) is required", field_name="name")


class DatasetImageSchema(Schema):
    id = fields.UUID()
    image_url = fields.Method("_url")
    mime_type = Text()
    bytes = Integer()
    sha256 = Text()
    width = Integer()
    height = Integer()
    storage_provider = Text(allow_none=True)
    created_at = fields.DateTime()

    def _url(self, image):
        return fresh_url(image.storage_provider, "dataset-images", image.storage_key, image.image_url)


class DatasetSchema(Schema):
    name = Text()
    brand_name = Text(allow_none=True)
    vibe = Text(allow_none=True)
    description = Text(allow_none=True)
    unique_visual_elements = fields.List(Text(), allow_none=True)
    id = fields.UUID()
    user_id = fields.UUID(allow_none=True)
    images = fields.List(fields.Nested(DatasetImageSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DatasetListQuerySchema(Schema):
    limit = Integer(load_default=50, validate=validate.Range(1, 200))
    offset = Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class ImportSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2048))


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "PNG, JPEG, WebP or GIF"})
