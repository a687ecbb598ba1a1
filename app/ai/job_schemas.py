"""The job list's query and answer."""

from marshmallow import Schema, fields, validate

from app.history.schemas import MAX_LIMIT, Cursor

from .job_control import STATUSES
from .schemas import JobSchema


class JobListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_LIMIT))
    cursor = Cursor()


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as cursor for the next page; "
                                                                          "null at the end"})
