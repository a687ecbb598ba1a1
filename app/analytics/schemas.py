"""Arguments and answers of the /analytics endpoints."""

from datetime import UTC

from marshmallow import Schema, fields, validate

from app.history.schemas import Window
from app.security.bounded import Integer

EXPORT_KINDS = ("images", "logs", "og-generations", "prompt-usage", "ratings")
EXPORT_FORMATS = ("csv", "jsonl", "json")


class WindowArgs(Schema):
    window = Window(metadata={"description": "How far back from `until`: 15m, 24h, 30d, 2w; with `since`, the later start of the two"})
    since = fields.AwareDateTime(default_timezone=UTC)
    until = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "Default: now"})



class CountryArgs(WindowArgs):
    source = fields.String(load_default="logs", validate=validate.OneOf(("logs", "og")))


class ExportArgs(WindowArgs):
    format = fields.String(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS))


class AlertArgs(Schema):
    limit = Integer(load_default=50, validate=validate.Range(1, 500))


class _Window(Schema):
    since = fields.DateTime()
    until = fields.DateTime()


class StyleRow(Schema):
    style = fields.String(allow_none=True)
    total_generations = Integer()
    success_rate = fields.Float(allow_none=True)
    avg_cost = fields.Float(allow_none=True)


class HourRow(Schema):
    hour = fields.DateTime()
    generations = Integer()
    unique_users = Integer()


class DifficultyRow(Schema):
    difficulty = Integer(allow_none=True)
    generations = Integer()
    avg_cost = fields.Float(allow_none=True)
    total_cost = fields.Float(allow_none=True)


class LatencyRow(Schema):
    style = fields.String(allow_none=True)
    generations = Integer()
    avg_duration_ms = fields.Float(allow_none=True)
    p95_duration_ms = fields.Float(allow_none=True)


class ErrorRow(Schema):
    error_message = fields.String(allow_none=True)
    error_count = Integer()
    avg_failure_time_ms = fields.Float(allow_none=True)


class CountryRow(Schema):
    country = fields.String(allow_none=True)
    count = Integer()


def rows_schema(name, row):
    """``{since, until, rows: [row]}``."""
    return type(name, (_Window,), {"rows": fields.List(fields.Nested(row))})


StylesSchema = rows_schema("StylesSchema", StyleRow)
EngagementSchema = rows_schema("EngagementSchema", HourRow)
DifficultySchema = rows_schema("DifficultySchema", DifficultyRow)
LatencySchema = rows_schema("LatencySchema", LatencyRow)
ErrorsSchema = rows_schema("ErrorsSchema", ErrorRow)
CountriesSchema = rows_schema("CountriesSchema", CountryRow)


class RetentionSchema(Schema):
    previous_week_users = Integer()
    returning_users = Integer()
    retention_rate = fields.Float(allow_none=True)


class DashboardSchema(_Window):
    generations = Integer()
    generations_per_hour = fields.Float()
    success_rate = fields.Float(allow_none=True)
    avg_cost_per_generation = fields.Float(allow_none=True)
    per_hour = fields.List(fields.Nested(HourRow))
    retention = fields.Nested(RetentionSchema)


class AlertSchema(Schema):
    id = fields.UUID()
    rule = fields.String()
    status = fields.String(metadata={"description": "firing or resolved"})
    value = fields.Float(allow_none=True)
    threshold = fields.Float(allow_none=True)
    message = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
    started_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    notified_at = fields.DateTime(allow_none=True)


class AlertsSchema(Schema):
    active = fields.List(fields.Nested(AlertSchema))
    history = fields.List(fields.Nested(AlertSchema))
    rules = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                        metadata={"description": "Each rule's threshold"})
