"""What a deletion of a user's data answers."""

from marshmallow import Schema, fields


class DeletionSchema(Schema):
    user_id = fields.UUID()
    deleted = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "Rows (and files) removed, per table"})
