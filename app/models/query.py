"""Query helpers that compile differently per dialect and answer the same.

The tests run each of them on SQLite and PostgreSQL over the same rows.
"""

from sqlalchemy import Boolean, Text, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


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
