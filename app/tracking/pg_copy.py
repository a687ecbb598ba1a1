"""PostgreSQL fast path: COPY a batch into a temporary table, then one INSERT … SELECT.

A many-row ``INSERT … VALUES … RETURNING`` spends most of its time building
and parsing a statement with thousands of parameters; COPY streams the rows as
text and PostgreSQL parses each column itself (figures: ``bench/README.md``,
tracking). The INSERT keeps ``ON CONFLICT (id) DO
NOTHING RETURNING``, so idempotency and the counters work as on every database.
The temporary table is dropped at commit: nothing lingers on a pooled
connection, and a pgbouncer in transaction mode is fine.
"""

import json

from sqlalchemy import JSON, exc

from .events import KINDS

DATETIME_FIELDS = {"created_at", "updated_at"}
PLAIN_TYPES = (str, int, float, bool)


def _json_columns(model):
    return {column.key for column in model.__table__.columns if isinstance(column.type, JSON)}


JSON_COLUMNS = {kind: _json_columns(model) for kind, model in KINDS.items()}
COLUMNS = {kind: {column.key for column in model.__table__.columns} for kind, model in KINDS.items()}


def _keys(kind, events):
    keys = {"id"} | (DATETIME_FIELDS & COLUMNS[kind])
    for event in events:
        keys.update(event["fields"])
    return sorted(keys)


def _values(event, keys, json_columns):
    fields = event["fields"]
    values = []
    for key in keys:
        value = event["id"] if key == "id" else fields.get(key)
        if value is None:
            value = event["recorded_at"] if key in DATETIME_FIELDS else None
        elif key in json_columns:
            value = json.dumps(value)
        elif not isinstance(value, PLAIN_TYPES):
            raise ValueError(f"{event['kind']}.{key}: cannot store a {type(value).__name__}")
        values.append(value)
    return values


def copy_rows(session, kind, events):
    """Insert the events of one kind; returns (new rows, new usages as (prompt_id, success) or None)."""
    import psycopg

    table = KINDS[kind].__table__.name
    keys = _keys(kind, events)
    columns = ", ".join(keys)
    temp = f"tracking_batch_{table}"
    returning = "prompt_id, success" if kind == "prompt_usage" else "id"
    statement = f"COPY {temp} ({columns}) FROM STDIN"
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} (LIKE {table}) ON COMMIT DROP")
        with cursor.copy(statement) as copy:
            for event in events:
                copy.write_row(_values(event, keys, JSON_COLUMNS[kind]))
        statement = (f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} "
                     f"ON CONFLICT (id) DO NOTHING RETURNING {returning}")
        cursor.execute(statement)
        new = cursor.fetchall()
        return len(new), new if kind == "prompt_usage" else None
    except psycopg.Error as error:
        # The same exception classes as the SQLAlchemy path (IntegrityError, DataError …).
        raise exc.DBAPIError.instance(statement, None, error, psycopg.Error) from error
    finally:
        cursor.close()
