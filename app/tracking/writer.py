"""Write events to their tables: one INSERT per kind per batch, idempotent on the event id.

``INSERT … ON CONFLICT (id) DO NOTHING RETURNING`` tells which events are new;
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

DATETIME_FIELDS = {"created_at", "updated_at"}


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


def write_events(events, session=None):
    """Write a batch of events in one transaction; returns how many were new."""
    session = session or db.session
    by_kind = defaultdict(list)
    for event in events:
        by_kind[event["kind"]].append(_row(event))
    dialect = session.get_bind().dialect.name
    written = 0
    try:
        for kind, rows in by_kind.items():
            model = KINDS[kind]
            # Rows in one executemany must share their keys.
            keys = set().union(*rows)
            rows = [{key: row.get(key) for key in keys} for row in rows]
            statement = _insert(model, dialect).returning(model.id)
            if kind == "prompt_usage":
                statement = _insert(model, dialect).returning(model.id, model.prompt_id, model.success)
            result = session.execute(statement, rows)
            new = result.all()
            written += len(new)
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


