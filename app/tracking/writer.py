"""Write events to their tables: one INSERT per kind per batch, idempotent on the event id.

``INSERT … ON CONFLICT (id) DO NOTHING RETURNING`` tells which events are new
(on PostgreSQL fed by COPY, see ``pg_copy.py``);
only those move the prompt counters, in the same transaction, so a replay or
retry never counts twice.
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
COPY_FROM = 50  # rows of one kind in a batch from which PostgreSQL gets COPY


def _row(event):
    model = KINDS[event["kind"]]
    row = dict(event["fields"])
    row["id"] = uuid.UUID(event["id"])
    recorded_at = datetime.fromisoformat(event["recorded_at"])
    for name in DATETIME_FIELDS & {c.key for c in model.__table__.columns}:
        value = row.get(name)
        row[name] = datetime.fromisoformat(value) if isinstance(value, str) else (value or recorded_at)
    for name in ("user_id", "image_id", "post_id"):
        if isinstance(row.get(name), str):
            row[name] = uuid.UUID(row[name])
    return row


def _insert(model, dialect_name):
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing(index_elements=["id"])


def _insert_rows(session, kind, events):
    """Portable path: one INSERT … ON CONFLICT DO NOTHING RETURNING with every row."""
    model = KINDS[kind]
    rows = [_row(event) for event in events]
    # Rows in one executemany must share their keys.
    keys = set().union(*rows)
    rows = [{key: row.get(key) for key in keys} for row in rows]
    statement = _insert(model, session.get_bind().dialect.name).returning(*_returning(model, kind))
    return session.execute(statement, rows).all()


def _returning(model, kind):
    if kind == "prompt_usage":
        return model.id, model.prompt_id, model.success
    return (model.id,)


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
            new = insert(session, kind, kind_events)
            written += len(new)
            if stats is not None:
                stats[kind] = (len(kind_events), len(new))
            if kind == "prompt_usage" and new:
                _move_prompt_counters(session, new)
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


