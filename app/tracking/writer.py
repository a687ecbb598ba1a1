"""Write events to their tables: one INSERT per kind per batch, idempotent on the event id.

On SQLite (local mode, where the writer thread shares the web process) the
rows go straight to sqlite3's ``executemany`` as tuples, converted by the
columns' own SQLAlchemy bind processors: the same stored values as the
ORM's, without building and processing a parameter dict per row.

``INSERT … ON CONFLICT (id) DO NOTHING`` skips events already written (on
PostgreSQL fed by COPY, see ``pg_copy.py``); for prompt usages ``RETURNING``
tells which are new, and only those move the prompt counters, in the same
transaction, so a replay or retry never counts twice. Other kinds only need
how many were new, which the row count says without RETURNING's per-row cost.
"""

import functools
import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Prompt

from .events import KINDS
from .pg_copy import copy_rows

DATETIME_FIELDS = {"created_at", "updated_at"}
STAMPED = {kind: DATETIME_FIELDS & {c.key for c in model.__table__.columns} for kind, model in KINDS.items()}
# Ids other than the event's own: user_id, image_id, post_id, api_key_id … (JSON carries them as text).
UUID_FIELDS = {kind: {c.key for c in model.__table__.columns
                      if c.key != "id" and getattr(c.type, "python_type", None) is uuid.UUID}
               for kind, model in KINDS.items()}
COPY_FROM = 50  # rows of one kind in a batch from which PostgreSQL gets COPY


def _row(event):
    row = dict(event["fields"])
    row["id"] = uuid.UUID(event["id"])
    recorded_at = datetime.fromisoformat(event["recorded_at"])
    for name in STAMPED[event["kind"]]:
        value = row.get(name)
        row[name] = datetime.fromisoformat(value) if isinstance(value, str) else (value or recorded_at)
    for name in UUID_FIELDS[event["kind"]]:
        if isinstance(row.get(name), str):
            row[name] = uuid.UUID(row[name])
    return row


def _insert(table, dialect_name):
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=["id"])


def _insert_rows(session, kind, events):
    """Portable path: one INSERT … ON CONFLICT DO NOTHING with every row; returns (new rows, new usages)."""
    table = KINDS[kind].__table__
    rows = [_row(event) for event in events]
    # Rows in one executemany must share their keys.
    keys = set().union(*rows)
    rows = [{key: row.get(key) for key in keys} for row in rows]
    dialect = session.get_bind().dialect.name
    if kind == "prompt_usage":
        statement = _insert(table, dialect).returning(table.c.prompt_id, table.c.success)
        new = session.execute(statement, rows).all()
        return len(new), new
    return len(session.execute(_insert(table, dialect).returning(table.c.id), rows).all()), None


class _Prepared:
    """One kind's INSERT for sqlite3's executemany and how an event becomes its tuple of parameters."""

    def __init__(self, kind):
        table = KINDS[kind].__table__
        dialect = sqlite.pysqlite.dialect()
        self.names = [column.key for column in table.columns]
        self.statement = (f"INSERT INTO {table.name} ({', '.join(self.names)})"
                          f" VALUES ({', '.join('?' * len(self.names))}) ON CONFLICT (id) DO NOTHING")
        # Only columns whose type processes its value (ids, addresses, times) are touched per row.
        self.converted = [(index, converter, column.key in STAMPED[kind])
                          for index, column in enumerate(table.columns)
                          if (converter := _converter(column, dialect)) is not None]
        self.id_index = self.names.index("id")
        for column in table.columns:  # a missing value is NULL here: no column may expect a default instead
            if column.default is not None and column.key != "id" and column.key not in STAMPED[kind]:
                raise RuntimeError(f"{table.name}.{column.key} has a default the tracking writer does not apply")

    def rows(self, events):
        names, converted, id_index = self.names, self.converted, self.id_index
        rows = []
        for event in events:
            fields = event["fields"]
            row = [fields.get(name) for name in names]
            row[id_index] = event["id"]
            stamp = None
            try:
                for index, convert, stamped in converted:
                    value = row[index]
                    if value is not None:
                        row[index] = convert(value)
                    elif stamped:  # created_at and updated_at default to when the event was recorded: one conversion
                        row[index] = stamp = stamp or convert(event["recorded_at"])
            except (AttributeError, TypeError, ValueError) as error:  # a bad row, set aside like the database's refusals
                raise ValueError(f"{event['kind']}.{names[index]}: cannot store {row[index]!r} ({error})") from error
            rows.append(tuple(row))
        return rows


def _converter(column, dialect):
    """JSON value → what SQLAlchemy binds for ``column`` (its type's processor after parsing ids and times);
    None when the value is bound as it is."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    python_type = getattr(column.type, "impl_instance", column.type).python_type  # a TypeDecorator's own says object
    # Events are JSON (make_event, Redis, the spool): ids and times arrive as text; anything else is a bad row.
    if python_type is uuid.UUID:
        return lambda value: process(uuid.UUID(value))
    if python_type is datetime:
        return lambda value: process(datetime.fromisoformat(value))
    return process


@functools.cache
def _prepared(kind):
    return _Prepared(kind)


def _executemany_sqlite(session, kind, events):
    """SQLite's path for kinds whose new rows need no RETURNING; returns (new rows, None)."""
    prepared = _prepared(kind)
    result = session.connection().exec_driver_sql(prepared.statement, prepared.rows(events))
    return result.rowcount, None  # sqlite3's executemany counts the rows it inserted


def write_events(events, session=None, stats=None):
    """Write a batch of events in one transaction; returns how many were new.

    ``stats``, if given, is filled with ``{kind: (events, new rows)}``.
    """
    session = session or db.session
    by_kind = defaultdict(list)
    # Sorted by id: two batches holding the same events lock them in the same order.
    for event in sorted(events, key=lambda event: event["id"]):
        by_kind[event["kind"]].append(event)
    dialect = session.get_bind().dialect.name
    written = 0
    try:
        for kind, kind_events in by_kind.items():
            insert = _insert_rows
            if dialect == "postgresql" and len(kind_events) >= COPY_FROM:
                insert = copy_rows  # COPY pays a temporary table; it wins from a few dozen rows on
            elif dialect == "sqlite" and kind != "prompt_usage":
                insert = _executemany_sqlite
            count, usages = insert(session, kind, kind_events)
            written += count
            if stats is not None:
                stats[kind] = (len(kind_events), count)
            if usages:
                _move_prompt_counters(session, usages)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return written


def _move_prompt_counters(session, new_usages):
    totals = defaultdict(lambda: [0, 0])
    for prompt_id, success in new_usages:
        totals[prompt_id][0] += 1
        totals[prompt_id][1] += 1 if success else 0
    # Sorted, so that concurrent batches lock prompt rows in the same order.
    for prompt_id in sorted(totals):
        used, succeeded = totals[prompt_id]
        session.execute(
            update(Prompt)
            .where(Prompt.id == prompt_id)
            .values(
                usage_count=Prompt.usage_count + used,
                success_count=Prompt.success_count + succeeded,
            )
        )


