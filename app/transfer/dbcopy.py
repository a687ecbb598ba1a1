"""Copy the ledger from one database to another: every table of the models, in dependency order.

The target is migrated to the source's revision first. Each table is copied in
resumable keyset batches (``tablecopy.py``; a copy interrupted anywhere resumes
after its last batch), with the target's triggers held off (the rows they would
derive are copied too). Afterwards integer identity sequences are moved past
the copied ids, and every table is compared by row count and content checksum
(``checksum.py``); the progress table goes only when they all agree.
"""

import time
from dataclasses import dataclass, field

from sqlalchemy import inspect, select, text

from .checksum import fingerprint
from .engines import current_heads, open_engine, redact
from .tablecopy import (
    PROGRESS_TABLE,
    CopyRefused,
    Triggers,
    copy_table,
    progress,
    progress_metadata,
)


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
        progress_metadata.create_all(connection)
    return resuming


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
        triggers = Triggers(target)
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
