from marshmallow import Schema, fields, validate

from app.governance.schemas import KeyLimitsSchema
from app.security.bounded import Boolean, Integer


class NoQuerySchema(Schema):
    """An endpoint that takes no query parameters: any is refused by name (400)."""


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=[validate.Length(1, 64), validate.Regexp(r"^[A-Za-z0-9._@-]+$", error="may contain letters, digits, '.', '_', '@' and '-'")])
    email = fields.Email(validate=validate.Length(max=255))
    is_admin = Boolean(load_default=False)


class UserSchema(Schema):
    id = fields.UUID(required=True)
    username = fields.String(required=True)
    email = fields.String(allow_none=True)
    is_admin = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class UserPatchSchema(Schema):
    is_active = Boolean(required=True, metadata={"description": "false disables the user: their keys stop working at once, their ledger stays"})


class KeyCreateSchema(KeyLimitsSchema):
    name = fields.String(validate=validate.Length(max=100))
    is_admin = Boolean(load_default=False)


class KeySchema(KeyLimitsSchema):
    id = fields.UUID(required=True)
    name = fields.String(allow_none=True)
    prefix = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "recorded at most once a minute"})
    revoked_at = fields.DateTime(allow_none=True)
    user_id = fields.UUID()
    username = fields.String()
    key = fields.String(metadata={"description": "The key itself; shown once, at creation"})
    is_expired = fields.Boolean()


class PrincipalSchema(Schema):
    user_id = fields.UUID(required=True)
    username = fields.String(required=True)
    is_admin = fields.Boolean(required=True)


class QuotaSchema(Schema):
    daily_generation_limit = Integer(allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    daily_cost_limit_usd = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    requests_per_minute = Integer(allow_none=True, validate=validate.Range(min=1, max=1_000_000))


class UsageSchema(Schema):
    identity = fields.String(required=True, metadata={"description": "user:<id> or ip:<address>"})
    generations_today = Integer(required=True)
    generation_limit = Integer(allow_none=True, metadata={"description": "null = unlimited"})
    cost_today_usd = fields.Float(required=True)
    cost_limit_usd = fields.Float(allow_none=True, metadata={"description": "null = unlimited"})
    resets_in_seconds = Integer(required=True)
    rate_limit = fields.String(allow_none=True, metadata={"description": "requests per minute for the default group"})
    rate_limits = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "each group's limit: default, og (/og), ai (/ai), openai (/v1)",
        "example": {"default": "120/minute", "og": "600/minute", "ai": "30/minute", "openai": "30/minute"}})
