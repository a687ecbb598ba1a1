"""Exports: CSV, JSON lines or a JSON array, streamed.

Rows are read with ``yield_per`` (a server-side cursor on PostgreSQL) and
written out a batch at a time, so memory stays bounded whatever the size
of the window: a million rows never sit in memory at once.
"""

import csv
import io
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog, ImageRating, OgGeneration, PromptUsage

TABLES = {
    "images": GeneratedImage.__table__,
    "logs": GenerationLog.__table__,
    "og-generations": OgGeneration.__table__,
    "prompt-usage": PromptUsage.__table__,
    "ratings": ImageRating.__table__,
}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson", "json": "application/json"}
BATCH_ROWS = 1000


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def csv_cell(value):
    """One CSV cell; text a spreadsheet would read as a formula gets a leading ``'`` (OWASP's advice)."""
    value = _plain(value)
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"))
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def count_rows(kind, since, until):
    """How many rows an export of ``kind`` over [since, until) holds."""
    table = TABLES[kind]
    return db.session.scalar(select(db.func.count()).select_from(table)
                             .where(table.c.created_at >= since, table.c.created_at < until))


def export_rows(kind, since, until, batch_rows=BATCH_ROWS):
    """Yield (column names, then) each row of ``kind`` created in [since, until), oldest first."""
    table = TABLES[kind]
    query = (
        select(table)
        .where(table.c.created_at >= since, table.c.created_at < until)
        .order_by(table.c.created_at, table.c.id)
        .execution_options(yield_per=batch_rows)
    )
    result = db.session.execute(query)
    try:
        yield list(result.keys())
        yield from result
    finally:
        result.close()


def stream_export(kind, fmt, since, until):
    """Yield the export as text chunks of about ``BATCH_ROWS`` rows each."""
    rows = export_rows(kind, since, until)
    columns = next(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer) if fmt == "csv" else None
    if writer:
        writer.writerow(columns)
    elif fmt == "json":
        buffer.write("[")
    count = 0
    for row in rows:
        if writer:
            writer.writerow([csv_cell(value) for value in row])
        else:
            line = json.dumps({name: _plain(value) for name, value in zip(columns, row, strict=True)})
            if fmt == "json":
                buffer.write(("," if count else "") + "\n" + line)
            else:
                buffer.write(line + "\n")
        count += 1
        if count % BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if fmt == "json":
        buffer.write("\n]\n")
    yield buffer.getvalue()
