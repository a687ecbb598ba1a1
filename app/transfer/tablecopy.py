"""Copy one table in resumable keyset batches.

Rows are read in primary-key order and written with INSERT … ON CONFLICT DO NOTHING;
each batch commits in the target together with the table's progress (its last key), so
an interrupted copy resumes after its last batch and a re-sent row is never duplicated.
PostgreSQL receives each batch by COPY into a staging table, then INSERT … SELECT.
The target's own triggers are held off while rows arrive (``Triggers``).
"""

import json
import time
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from .checksum import row_values, select_rows

PROGRESS_TABLE = "imprint_copy_progress"
progress_metadata = MetaData()
progress = Table(
    PROGRESS_TABLE, progress_metadata,
    Column("table_name", String(100), primary_key=True),
    Column("last_key", Text),  # JSON: the primary key of the last row copied
    Column("rows", Integer, nullable=False, default=0),
    Column("done", Boolean, nullable=False, default=False),
)


class CopyRefused(RuntimeError):
    """The copy cannot start: the databases are not at the same revision, or the target holds data."""


def _encode_key(values):
    def one(value):
        if isinstance(value, uuid.UUID):
            return {"uuid": str(value)}
        if isinstance(value, datetime):
            return {"datetime": value.isoformat()}
        return value

    return json.dumps([one(value) for value in values])


def _decode_key(raw):
    def one(value):
        if isinstance(value, dict) and "uuid" in value:
            return uuid.UUID(value["uuid"])
        if isinstance(value, dict) and "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        return value

    return [one(value) for value in json.loads(raw)]


def _after(key_columns, values):
    """Rows whose primary key sorts after ``values`` (typed binds: UUIDs and datetimes as the column stores them)."""
    if len(key_columns) == 1:
        return key_columns[0] > values[0]
    binds = [bindparam(None, value, type_=column.type) for column, value in zip(key_columns, values, strict=True)]
    return tuple_(*key_columns) > tuple_(*binds)


class _Writer:
    """Writes one batch of a table: COPY into a staging table on PostgreSQL, then INSERT … ON CONFLICT
    DO NOTHING from it; a prepared executemany with ON CONFLICT DO NOTHING on SQLite."""

    def __init__(self, table, dialect, deferred=()):
        self.table = table
        self.dialect = dialect
        self.deferred = {column.key for column in deferred}
        if dialect.name == "postgresql":
            # The columns' own bind processing (UTC datetimes, JSONB wrappers, SQL NULL kept apart), then COPY.
            self.processors = [(column.key, column.type.dialect_impl(dialect).bind_processor(dialect))
                               for column in table.columns]
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            self.staging = f"imprint_copy_{table.name}"[:63]
            self.create = (f'CREATE TEMP TABLE IF NOT EXISTS "{self.staging}" (LIKE "{table.name}") '
                           "ON COMMIT DELETE ROWS")
            self.copy = f'COPY "{self.staging}" ({columns}) FROM STDIN'
            self.insert = (f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{self.staging}" '
                           "ON CONFLICT DO NOTHING")
        else:
            self.statement = sqlite.insert(table).on_conflict_do_nothing()

    def write(self, connection, rows):
        if self.dialect.name != "postgresql":
            connection.execute(self.statement, rows)
            return
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(self.create)
            with cursor.copy(self.copy) as copy:
                for row in rows:
                    copy.write_row([None if key in self.deferred else process(row[key]) if process
                                    else row[key] for key, process in self.processors])
            cursor.execute(self.insert)
        finally:
            cursor.close()


class Triggers:
    """Hold off the target's own triggers inside one transaction (both databases' DDL is transactional)."""

    def __init__(self, engine):
        self.dialect = engine.dialect.name
        self.sqlite_triggers = {}
        if self.dialect == "sqlite":
            with engine.connect() as connection:
                for name, table, sql in connection.execute(text(
                        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")):
                    self.sqlite_triggers.setdefault(table, []).append((name, sql))
        self.replica_role = self.dialect == "postgresql" and self._may_set_replica_role(engine)

    def _may_set_replica_role(self, engine):
        """Whether this role may set session_replication_role: a superuser, or (PostgreSQL 15+) one
        granted SET ON PARAMETER session_replication_role."""
        with engine.connect() as connection:
            try:
                with connection.begin():
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                return True
            except DBAPIError:
                return False

    @property
    def checks_self_references(self):
        """Whether a row may not name a row of its own table that arrives later (foreign keys enforced)."""
        return self.dialect == "postgresql" and not self.replica_role

    def hold(self, connection, table):
        if self.dialect == "postgresql":
            if self.replica_role:
                # Skips user triggers and foreign-key checks (a forward self-reference) in this transaction.
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                connection.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
            return
        for name, _sql in self.sqlite_triggers.get(table, ()):
            connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))

    def release(self, connection, table):
        if self.dialect == "postgresql":
            if not self.replica_role:
                connection.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
            return
        for _name, sql in self.sqlite_triggers.get(table, ()):
            connection.execute(text(sql))


def copy_table(source, target, table, triggers, *, batch_size, echo):
    """Copy one table from its last copied key on; returns the rows sent in this run."""
    key_columns = list(table.primary_key.columns)
    if not key_columns:
        raise CopyRefused(f"table {table.name} has no primary key: it cannot be copied resumably")
    with target.connect() as connection:
        state = connection.execute(select(progress).where(progress.c.table_name == table.name)).first()
    if state is not None and state.done:
        return 0
    last_key = _decode_key(state.last_key) if state is not None and state.last_key else None
    copied = state.rows if state is not None else 0
    with source.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(table))
    # Without the replica role PostgreSQL checks every foreign key at once: a reference to a row of the
    # same table is written NULL first and set once the whole table is there.
    deferred = [fk.parent for fk in table.foreign_keys if fk.column.table is table] \
        if triggers.checks_self_references else []
    writer = _Writer(table, target.dialect, deferred)
    sent = 0
    started = time.monotonic()
    while True:
        query = select_rows(table).order_by(*key_columns).limit(batch_size)
        if last_key is not None:
            query = query.where(_after(key_columns, last_key))
        with source.connect() as connection:
            rows = [row_values(table, row) for row in connection.execute(query)]
        with target.begin() as connection:
            triggers.hold(connection, table.name)
            if rows:
                writer.write(connection, rows)
                last_key = [rows[-1][column.key] for column in key_columns]
                copied += len(rows)
            done = len(rows) < batch_size
            if done and deferred:
                _set_deferred(source, connection, table, key_columns, deferred)
            triggers.release(connection, table.name)
            values = {"last_key": _encode_key(last_key) if last_key is not None else None,
                      "rows": copied, "done": done}
            if state is None:
                connection.execute(progress.insert().values(table_name=table.name, **values))
                state = True
            else:
                connection.execute(progress.update().where(progress.c.table_name == table.name).values(**values))
        sent += len(rows)
        elapsed = time.monotonic() - started
        rate = f", {sent / elapsed:,.0f} rows/s" if elapsed > 0 and sent else ""
        if rows or not sent:
            echo(f"  {table.name}: {copied:,}/{total:,}{rate}")
        if done:
            return sent


def _set_deferred(source, connection, table, key_columns, deferred):
    """Set the self-references written NULL, from the source, in the transaction that ends the table."""
    query = select(*key_columns, *deferred).where(or_(*(column.is_not(None) for column in deferred)))
    with source.connect() as reading:
        pairs = [dict(row._mapping) for row in reading.execute(query)]
    if not pairs:
        return
    match = and_(*(column == bindparam(f"key_{column.key}", type_=column.type) for column in key_columns))
    statement = update(table).where(match).values(
        {column.key: bindparam(f"value_{column.key}", type_=column.type) for column in deferred})
    parameters = [{**{f"key_{c.key}": pair[c.key] for c in key_columns},
                   **{f"value_{c.key}": pair[c.key] for c in deferred}} for pair in pairs]
    connection.execute(statement, parameters)
