"""The opaque keyset cursor: base64 of ``[created_at, id]`` of the last row of a page."""

import base64
import binascii
import json
import uuid
from datetime import datetime


def encode_cursor(created_at, row_id):
    """The cursor that continues after the row (created_at, id)."""
    raw = json.dumps([created_at.isoformat(), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token):
    """(created_at, id) from a cursor; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        created_at, row_id = json.loads(raw)
        when = datetime.fromisoformat(created_at)
        if when.tzinfo is None:
            raise ValueError("cursor time has no zone")
        return when, uuid.UUID(row_id)
    except (binascii.Error, UnicodeDecodeError, TypeError, AttributeError, json.JSONDecodeError) as error:
        raise ValueError("malformed cursor") from error
