"""Bodies and answers of the curation endpoints; every list is bounded."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.history.schemas import ImageRecordSchema
from app.openapi import present
from app.security.bounded import Boolean

MAX_IDS = 100  # one bulk action or ZIP
MAX_TAGS = 20

Tag = fields.String(validate=validate.Length(1, 64))


def _ids(**kwargs):
    return fields.List(fields.UUID(), validate=validate.Length(1, MAX_IDS, error="between {min} and {max} ids"),
                       metadata={"description": f"image ids, 1 to {MAX_IDS}"}, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class TagsSchema(Strict):
    tags = fields.List(Tag, required=True, validate=validate.Length(max=MAX_TAGS),
                       metadata={"description": f"the image's tags, replacing the old ones; at most {MAX_TAGS}"})


ACTIONS = ("delete", "tag", "untag", "favorite", "unfavorite", "collect", "uncollect")


class BulkSchema(Strict):
    # tag and untag need tags, collect and uncollect a collection
    JSON_SCHEMA = {"allOf": [
        {"anyOf": [{"properties": {"action": {"not": {"enum": list(needed)}}}}, present(field)]}
        for needed, field in ((("tag", "untag"), "tags"), (("collect", "uncollect"), "collection_id"))]}

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    ids = _ids(required=True)
    tags = fields.List(Tag, validate=validate.Length(1, MAX_TAGS), metadata={"description": "for tag and untag"})
    collection_id = fields.UUID(metadata={"description": "for collect and uncollect"})

    @validates_schema
    def _needs(self, data, **_):
        if data["action"] in ("tag", "untag") and not data.get("tags"):
            raise ValidationError("is required for tag and untag", "tags")
        if data["action"] in ("collect", "uncollect") and not data.get("collection_id"):
            raise ValidationError("is required for collect and uncollect", "collection_id")


class BulkResultSchema(Schema):
    action = fields.String()
    count = fields.Integer(metadata={"description": "images changed (or deleted)"})


class ArchiveSchema(Strict):
    ids = _ids(required=True)


class CollectionNameSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 100))


class ShareSchema(Strict):
    shared = Boolean(required=True, metadata={"description": "true: a fresh read-only link; false: none"})


class CollectionSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    created_at = fields.DateTime()
    image_count = fields.Integer()
    shared = fields.Boolean()
    share_path = fields.String(allow_none=True, metadata={"description": "the read-only link, when shared"})


class CollectionListSchema(Schema):
    items = fields.List(fields.Nested(CollectionSchema))


class PageSchema(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 100_000))


class CuratedImagePageSchema(Schema):
    items = fields.List(fields.Nested(ImageRecordSchema))
    total = fields.Integer(allow_none=True)


class SharedImageSchema(Schema):
    id = fields.UUID()
    prompt = fields.String()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    image_path = fields.String(metadata={"description": "the image (takes the variant parameters w, h, fit, "
                                         "format, q)"})


class SharedCollectionSchema(Schema):
    name = fields.String()
    images = fields.List(fields.Nested(SharedImageSchema))
