"""Copy the ledger from one database to another: every table of the models, in dependency order.

The target is migrated to the source's revision first. Each table is read in
primary-key order (keyset batches) and written with INSERT … ON CONFLICT DO
NOTHING; the batch and the table's progress (its last key) commit together in
the target, so a copy interrupted anywhere resumes after its last batch and a
re-sent row is never duplicated (PostgreSQL receives each batch by COPY into a
staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING). Triggers of the target are held off while
rows arrive (the rows they would derive are copied too). Afterwards integer
identity sequences are moved past the copied ids, and every table is compared
by row count and content checksum (``checksum.py``); the progress table goes
only when they all agree.
"""

import json
import time
import uuid
from dataclasses import dataclass, field
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
    inspect,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from .checksum import fingerprint, row_values, select_rows
from .engines import current_heads, open_engine, redact

PROGRESS_TABLE = "imprint_copy_progress"
_progress_metadata = MetaData()
progress = Table(
    PROGRESS_TABLE, _progress_metadata,
    Column("table_name", String(100), primary_key=True),
    Column("last_key", Text),  # JSON: the primary key of the last row copied
    Column("rows", Integer, nullable=False, default=0),
    Column("done", Boolean, nullable=False, default=False),
)


class CopyRefused(RuntimeError):
    """The copy cannot start: the databases are not at the same revision, or the target holds data."""


@dataclass
class TableReport:
    name: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def matches(self):
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass
class CopyReport:
    tables: list = field(default_factory=list)
    rows_copied: int = 0
    seconds: float = 0.0

    @property
    def matches(self):
        return all(table.matches for table in self.tables)


def model_tables():
    """Every table of the models, parents before children."""
    from app import models  # noqa: F401  (registers every table on the metadata)
    from app.extensions import db

    return list(db.metadata.sorted_tables)


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


class _Triggers:
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


def _table_is_empty(connection, table):
    return connection.execute(select(1).select_from(table).limit(1)).first() is None


def prepare_target(source, target, target_url, *, merge, migrate, echo):
    """Migrate the target to the source's revision; refuse a target with data unless merging or resuming."""
    source_heads = current_heads(source)
    if not source_heads:
        raise CopyRefused("the source database has no schema: run `flask db upgrade` on it first")
    target_heads = current_heads(target)
    if target_heads != source_heads:
        echo(f"migrating the target to {', '.join(sorted(source_heads))}")
        migrate(target_url)
        target_heads = current_heads(target)
    if target_heads != source_heads:
        raise CopyRefused(
            f"the source is at {', '.join(sorted(source_heads))} and the target at "
            f"{', '.join(sorted(target_heads)) or 'nothing'}: bring the source to the newest migration first")
    with target.begin() as connection:
        resuming = inspect(connection).has_table(PROGRESS_TABLE)
        if not resuming and not merge:
            filled = [t.name for t in model_tables() if not _table_is_empty(connection, t)]
            if filled:
                raise CopyRefused(f"the target already holds rows ({', '.join(filled[:5])}"
                                  f"{'…' if len(filled) > 5 else ''}); use --merge to add to them")
        _progress_metadata.create_all(connection)
    return resuming


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


def reset_sequences(target, tables):
    """Move each integer identity's sequence past the copied ids (PostgreSQL; SQLite follows max(rowid))."""
    if target.dialect.name != "postgresql":
        return
    with target.begin() as connection:
        for table in tables:
            columns = list(table.primary_key.columns)
            if len(columns) != 1 or not columns[0].autoincrement or columns[0].type.python_type is not int:
                continue
            name = columns[0].name
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                         {"t": table.name, "c": name})
            if sequence:
                connection.execute(text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{name}") FROM "{table.name}"), 0) + 1, false)'),
                    {"s": sequence})


def verify(source, target, tables, echo):
    """Row counts and checksums of every table, both sides."""
    reports = []
    with source.connect() as left, target.connect() as right:
        for table in tables:
            a, b = fingerprint(left, table), fingerprint(right, table)
            report = TableReport(table.name, a.rows, b.rows, a.checksum, b.checksum)
            reports.append(report)
            echo(f"  {'ok  ' if report.matches else 'DIFF'} {table.name:<32} {a.rows:>10,} {b.rows:>10,} "
                 f"{a.checksum} {b.checksum}")
    return reports


def copy_database(source_url, target_url, *, migrate, merge=False, batch_size=2000, echo=print):
    """Copy every table from ``source_url`` to ``target_url``; returns a CopyReport (verification included).

    ``migrate(url)`` brings the target to the newest migration when it is behind the source.
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    source, target = open_engine(source_url), open_engine(target_url)
    report = CopyReport()
    started = time.monotonic()
    try:
        echo(f"copying {redact(source.url.render_as_string())} → {redact(target.url.render_as_string())}")
        resuming = prepare_target(source, target, target_url, merge=merge, migrate=migrate, echo=echo)
        if resuming:
            echo("resuming an interrupted copy")
        tables = model_tables()
        triggers = _Triggers(target)
        for table in tables:
            report.rows_copied += copy_table(source, target, table, triggers, batch_size=batch_size,
                                             echo=echo)
        reset_sequences(target, tables)
        report.seconds = time.monotonic() - started
        echo(f"verifying: {'table':<37} {'source':>10} {'target':>10} checksums")
        report.tables = verify(source, target, tables, echo)
        if report.matches or merge:
            with target.begin() as connection:
                progress.drop(connection, checkfirst=True)
    finally:
        source.dispose()
        target.dispose()
    return report
