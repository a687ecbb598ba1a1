"""Write events to their tables: one INSERT per kind per batch, idempotent on the event id.

``INSERT … ON CONFLICT (id) DO NOTHING`` skips events already written (on
PostgreSQL fed by COPY, see ``pg_copy.py``); for prompt usages ``RETURNING``
tells which are new, and only those move the prompt counters, in the same
transaction, so a replay or retry never counts twice. Other kinds only need
how many were new, which the row count says without RETURNING's per-row cost.
"""

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
COPY_FROM = 50  # rows of one kind in a batch from which PostgreSQL gets COPY


def _row(event):
    row = dict(event["fields"])
    row["id"] = uuid.UUID(event["id"])
    recorded_at = datetime.fromisoformat(event["recorded_at"])
    for name in STAMPED[event["kind"]]:
        value = row.get(name)
        row[name] = datetime.fromisoformat(value) if isinstance(value, str) else (value or recorded_at)
    for name in ("user_id", "image_id", "post_id"):
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
        statement = _insert(table, dialect).returning(table.c.id, table.c.prompt_id, table.c.success)
        new = session.execute(statement, rows).all()
        return len(new), new
    if dialect == "sqlite":  # sqlite3's executemany counts the rows it inserted
        return session.execute(_insert(table, dialect), rows).rowcount, None
    return len(session.execute(_insert(table, dialect).returning(table.c.id), rows).all()), None


def write_events(events, session=None, stats=None):
    """Write a batch of events in one transaction; returns how many were new.

    ``stats``, if given, is filled with ``{kind: (events, new rows)}``.
    """
    session = session or db.session
    by_kind = defaultdict(list)
    # Sorted by id: two batches holding the same events lock them in the same order.
    for event in sorted(events, key=lambda event: event["id"]):
        by_kind[event["kind"]].append(event)
    is_postgres = session.get_bind().dialect.name == "postgresql"
    written = 0
    try:
        for kind, kind_events in by_kind.items():
            # COPY pays a temporary table; it wins from a few dozen rows on.
            insert = copy_rows if is_postgres and len(kind_events) >= COPY_FROM else _insert_rows
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
    for _id, prompt_id, success in new_usages:
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


