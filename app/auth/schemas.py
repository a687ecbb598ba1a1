from marshmallow import Schema, fields, validate


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=[validate.Length(1, 64), validate.Regexp(r"^[A-Za-z0-9._@-]+$", error="may contain letters, digits, '.', '_', '@' and '-'")])
    email = fields.Email(validate=validate.Length(max=255))
    is_admin = fields.Boolean(load_default=False)


class UserSchema(Schema):
    id = fields.UUID(required=True)
    username = fields.String(required=True)
    email = fields.String(allow_none=True)
    is_admin = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class KeyCreateSchema(Schema):
    name = fields.String(validate=validate.Length(max=100))
    is_admin = fields.Boolean(load_default=False)


class KeySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(allow_none=True)
    prefix = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    key = fields.String(metadata={"description": "The key itself; shown once, at creation"})


class PrincipalSchema(Schema):
    user_id = fields.UUID(required=True)
    username = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
