"""Query helpers that compile differently per dialect and answer the same.

The tests run each of them on SQLite and PostgreSQL over the same rows.
"""

import math
import sqlite3

from sqlalchemy import BigInteger, Boolean, Float, Text, event, literal
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from .types import UTCDateTime


class has_tag(ColumnElement):
    """True where the tags column holds ``tag`` (``tag = ANY(tags)``)."""

    inherit_cache = True
    type = Boolean()

    def __init__(self, column, tag):
        self.column = column
        self.tag = literal(str(tag), Text())


@compiles(has_tag)
def _has_tag_sqlite(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    tag = compiler.process(element.tag, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {tag})"


@compiles(has_tag, "postgresql")
def _has_tag_pg(element, compiler, **kw):
    return f"{compiler.process(element.tag, **kw)} = ANY({compiler.process(element.column, **kw)})"


class json_text(FunctionElement):
    """The value at top-level ``key`` of a JSON column, as text (``col ->> key``)."""

    type = Text()
    inherit_cache = True
    name = "json_text"


@compiles(json_text)
def _json_text_sqlite(element, compiler, **kw):
    column, key = list(element.clauses)
    column, key = compiler.process(column, **kw), compiler.process(key, **kw)
    # json_quote() makes any key a valid path segment ("a.b", spaces, quotes).
    return f"CAST(json_extract({column}, '$.' || json_quote({key})) AS TEXT)"


@compiles(json_text, "postgresql")
def _json_text_pg(element, compiler, **kw):
    column, key = list(element.clauses)
    return f"({compiler.process(column, **kw)} ->> {compiler.process(key, **kw)})"


class hour_bucket(FunctionElement):
    """``created_at`` truncated to the UTC hour, returned as an aware datetime on both databases."""

    type = UTCDateTime()
    inherit_cache = True
    name = "hour_bucket"


@compiles(hour_bucket)
def _hour_bucket_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    # Timestamps are stored as naive UTC text ("2025-01-02 10:11:12.000000").
    return f"strftime('%Y-%m-%d %H:00:00', {compiler.process(column, **kw)})"


@compiles(hour_bucket, "postgresql")
def _hour_bucket_pg(element, compiler, **kw):
    (column,) = list(element.clauses)
    # AT TIME ZONE 'UTC' first, so the session's TimeZone never moves the bucket.
    return f"date_trunc('hour', {compiler.process(column, **kw)} AT TIME ZONE 'UTC')"


class json_number(FunctionElement):
    """The number at top-level ``key`` of a JSON column; NULL when absent or not a number."""

    type = Float()
    inherit_cache = True
    name = "json_number"


@compiles(json_number)
def _json_number_sqlite(element, compiler, **kw):
    column, key = (compiler.process(clause, **kw) for clause in element.clauses)
    path = f"'$.' || json_quote({key})"
    return (f"(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') "
            f"THEN CAST(json_extract({column}, {path}) AS REAL) END)")


@compiles(json_number, "postgresql")
def _json_number_pg(element, compiler, **kw):
    column, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return (f"(CASE WHEN jsonb_typeof({column} -> {key}) = 'number' "
            f"THEN CAST({column} ->> {key} AS DOUBLE PRECISION) END)")


class json_micros(FunctionElement):
    """The number at top-level ``key`` of a JSON column in millionths, as an integer (NULL when absent).

    Costs are kept to six decimals, so their sums in millionths are exact integers on both databases:
    SQLite rounds its double (exact for such values), PostgreSQL reads the JSON number as NUMERIC.
    """

    type = BigInteger()
    inherit_cache = True
    name = "json_micros"


@compiles(json_micros)
def _json_micros_sqlite(element, compiler, **kw):
    column, key = list(element.clauses)
    number = compiler.process(json_number(column, key), **kw)
    return f"CAST(round({number} * 1000000) AS INTEGER)"


@compiles(json_micros, "postgresql")
def _json_micros_pg(element, compiler, **kw):
    column, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return (f"(CASE WHEN jsonb_typeof({column} -> {key}) = 'number' "
            f"THEN CAST(round(CAST({column} ->> {key} AS NUMERIC) * 1000000) AS BIGINT) END)")


class percentile_cont(FunctionElement):
    """``PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY column)``, an aggregate on both databases.

    PostgreSQL has it natively. SQLite gets the same definition (linear
    interpolation between the two closest ranks, computed in double precision
    exactly as PostgreSQL does) as a Python aggregate registered on every
    SQLite connection below.
    """

    type = Float()
    inherit_cache = True
    name = "percentile_cont"

    def __init__(self, fraction, column):
        self.fraction = float(fraction)
        if not 0 <= self.fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(column)


@compiles(percentile_cont)
def _percentile_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"imprint_percentile_cont({compiler.process(column, **kw)}, {element.fraction!r})"


@compiles(percentile_cont, "postgresql")
def _percentile_pg(element, compiler, **kw):
    (column,) = list(element.clauses)
    return (f"percentile_cont({element.fraction!r}) WITHIN GROUP "
            f"(ORDER BY {compiler.process(column, **kw)})")


def interpolate_percentile(values, fraction):
    """PostgreSQL's percentile_cont over already-sorted ``values`` (None when empty)."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    low_value = float(values[lower])
    if lower == upper:
        return low_value
    return low_value + (position - lower) * (float(values[upper]) - low_value)


class _PercentileAggregate:
    def __init__(self):
        self.values = []
        self.fraction = None

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:  # like PostgreSQL, NULLs are ignored
            self.values.append(value)

    def finalize(self):
        self.values.sort()
        return interpolate_percentile(self.values, self.fraction)


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_aggregate("imprint_percentile_cont", 2, _PercentileAggregate)
