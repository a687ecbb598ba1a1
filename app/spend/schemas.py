"""Arguments and answers of the spend reports, budgets and key limits."""

from datetime import UTC

from marshmallow import Schema, fields, validate

from app.history.schemas import Window
from app.security.bounded import Integer

from .reports import GROUPS


class SpendWindowArgs(Schema):
    window = Window(metadata={"description": "How far back from `to`: 15m, 24h, 30d, 2w (default 30d); with `from`, the later start of the two"})
    since = fields.AwareDateTime(default_timezone=UTC, data_key="from", metadata={"description": "Window start"})
    until = fields.AwareDateTime(default_timezone=UTC, data_key="to", metadata={"description": "Window end; default now"})



class SpendArgs(SpendWindowArgs):
    group_by = fields.String(load_default="user", validate=validate.OneOf(GROUPS), metadata={
        "description": "user, key (API key), provider, model, tag (a row counts under each of its tags) or day (UTC)"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    limit = Integer(load_default=500, validate=validate.Range(1, 5000), metadata={
        "description": "at most this many groups, largest cost first"})


class TopSpendersArgs(SpendWindowArgs):
    limit = Integer(load_default=10, validate=validate.Range(1, 500))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class SpendTotals(Schema):
    generations = fields.Integer(required=True)
    images = fields.Integer(required=True, metadata={"description": "images made"})
    failed = fields.Integer(required=True)
    cost_usd = fields.String(required=True, metadata={
        "description": "the exact sum of the known costs (a decimal string, 6 places)", "example": "12.345600"})
    unknown_cost = fields.Integer(required=True, metadata={"description": "successful generations whose cost is unknown"})
    tokens_in = fields.Integer(required=True)
    tokens_out = fields.Integer(required=True)


class SpendRow(SpendTotals):
    group = fields.String(allow_none=True, metadata={"description": "the user id, key id, provider, model, tag or day"})
    label = fields.String(allow_none=True, metadata={"description": "a username, or a key's prefix, name and owner"})


class SpendReportSchema(Schema):
    group_by = fields.String(required=True)
    since = fields.DateTime(required=True)
    until = fields.DateTime(required=True)
    rows = fields.List(fields.Nested(SpendRow), required=True)
    total = fields.Nested(SpendTotals, required=True, metadata={"description": "the whole window, each row once"})


class BudgetUsageSchema(Schema):
    owner = fields.String(required=True, metadata={"description": "key or user"})
    id = fields.String(required=True)
    name = fields.String(required=True)
    period = fields.String(required=True)
    limit_usd = fields.Float(allow_none=True)
    limit_generations = fields.Integer(allow_none=True)
    spent_usd = fields.Float(required=True, metadata={"description": "this period, reservations in flight included"})
    generations = fields.Integer(required=True)
    share = fields.Float(allow_none=True, metadata={"description": "the larger of spent/limit over both limits"})
    period_start = fields.DateTime(required=True)
    resets_at = fields.DateTime(required=True)


class BudgetsSchema(Schema):
    budgets = fields.List(fields.Nested(BudgetUsageSchema), required=True)
