"""Events are plain JSON dicts: {"id", "kind", "recorded_at", "fields"}.

JSON, not pickles, so that they can sit in Redis or a spool file and be
replayed by any worker; the id is made here, once (time-ordered: see
``uuid7``), and every write is idempotent on it.
"""

import ipaddress
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

from app.models import GenerationLog, OgGeneration, PromptUsage
from app.models.types import uuid7

KINDS = {
    "og_generation": OgGeneration,
    "generation_log": GenerationLog,
    "prompt_usage": PromptUsage,
}


def _columns(model):
    return {column.key for column in model.__table__.columns} - {"id"}


COLUMNS = {kind: _columns(model) for kind, model in KINDS.items()}


def make_event(kind, fields):
    """Validate ``fields`` against the kind's table and return a JSON-safe event."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    unknown = set(fields) - COLUMNS[kind] - {"id"}  # an id may be given: writes are idempotent on it
    if unknown:
        raise ValueError(f"{kind}: unknown fields {sorted(unknown)}")
    event_id = str(fields.pop("id", None) or uuid7())
    return {
        "id": event_id,
        "kind": kind,
        "recorded_at": datetime.now(UTC).isoformat(),
        # Most values are already plain: skip the call for them (this runs on every tracked request).
        "fields": {name: value if type(value) in PLAIN else _jsonable(value) for name, value in fields.items()},
    }


PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value):
    """Plain JSON values, so that every transport (Redis, the writer, the spool) stores the same thing."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(item) for item in value]
    raise ValueError(f"cannot record a {type(value).__name__}")
