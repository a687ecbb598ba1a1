"""What a spend report counts of generation_logs rows, read live or from the hourly spend rollups.

One list of measures serves both: the rollup refresh stores these sums per
hour, and a report adds rolled-up hours and live rows with the same names.
"""

from sqlalchemy import and_, case, cast, func
from sqlalchemy.types import BigInteger

from app.models import GenerationLog
from app.models.query import json_micros, json_number

log = GenerationLog
MEASURES = ("generations", "failed", "images", "cost_micros", "unknown_cost", "tokens_in", "tokens_out")


def _total(expression):
    return cast(func.coalesce(func.sum(expression), 0), BigInteger)


def live_measures():
    """The sums of MEASURES over generation_logs rows, labelled."""
    cost = json_micros(log.costs, "total")
    return [
        func.count().label("generations"),
        _total(case((log.success.is_(False), 1), else_=0)).label("failed"),
        _total(log.images).label("images"),
        _total(cost).label("cost_micros"),
        _total(case((and_(log.success.is_(True), cost.is_(None)), 1), else_=0)).label("unknown_cost"),
        _total(json_number(log.tokens, "input")).label("tokens_in"),
        _total(json_number(log.tokens, "output")).label("tokens_out"),
    ]


def rolled_measures(columns):
    """The sums of MEASURES over a rollup table's rows (or a subquery's columns), labelled."""
    return [_total(getattr(columns, name)).label(name) for name in MEASURES]


def tag_values(dialect):
    """A table of each row's tags (column ``value``), to join to generation_logs: unnest or json_each."""
    if dialect == "postgresql":  # unnest's column is named in the alias: AS anon_1(value)
        return func.unnest(log.tags).table_valued("value").render_derived()
    return func.json_each(log.tags).table_valued("value")


def with_tags(query, dialect):
    """``query`` over generation_logs joined to its tags; returns (query, the tag column)."""
    tags = tag_values(dialect)
    # SQLite keeps a row without tags as JSON null, whose json_each is one NULL value: not a tag.
    return query.select_from(log).join(tags, tags.c.value.is_not(None)), tags.c.value

