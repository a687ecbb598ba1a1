"""The webhook API's shapes."""

from marshmallow import Schema, fields, validate

from app.history.schemas import MAX_LIMIT, Cursor
from app.security.bounded import Boolean

from .endpoints import EVENTS, URL_DESCRIPTION, URL_PATTERN


class EndpointCreateSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(1, 2000),
                        metadata={"description": URL_DESCRIPTION, "pattern": URL_PATTERN})
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True,
                         validate=validate.Length(1, len(EVENTS)))
    all_users = Boolean(load_default=False, metadata={"description": "administrators: everyone's events"})
    description = fields.String(validate=validate.Length(max=200))


class EndpointSchema(Schema):
    id = fields.UUID()
    url = fields.String()
    events = fields.List(fields.String(), allow_none=True, metadata={"description": "null: a request's webhook_url"})
    all_users = fields.Boolean()
    description = fields.String(allow_none=True)
    is_active = fields.Boolean()
    secret = fields.String(metadata={"description": "whsec_…: verify the webhook-signature header with it"})
    created_at = fields.DateTime()


class EndpointListSchema(Schema):
    items = fields.List(fields.Nested(EndpointSchema))


class DeliveryQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "failed"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_LIMIT))
    cursor = Cursor()


class DeliverySchema(Schema):
    id = fields.UUID()
    event_id = fields.String(metadata={"description": "the webhook-id header"})
    event_type = fields.String()
    endpoint_id = fields.UUID()
    status = fields.String(metadata={"description": "pending, delivered, failed (gave up after a day)"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_response_ms = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    next_cursor = fields.String(allow_none=True)
