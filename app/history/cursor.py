"""The keyset cursor: ``<microseconds since 1970 UTC>-<id as 32 hex digits>`` of the last row of a page.

Every string that matches ``PATTERN`` is a cursor (a place in the order, whether or
not a row is there), so the API document's pattern is the whole rule.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
PATTERN = r"^[0-9]{1,16}-[0-9a-f]{32}$"  # sixteen digits reach the year 2286
_CURSOR = re.compile(PATTERN)


def encode_cursor(created_at, row_id):
    """The cursor that continues after the row (created_at, id)."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return f"{(created_at - EPOCH) // MICROSECOND}-{uuid.UUID(str(row_id)).hex}"


def decode_cursor(token):
    """(created_at, id) from a cursor; ValueError when it is not one."""
    if not isinstance(token, str) or not _CURSOR.match(token):
        raise ValueError("malformed cursor")
    micros, row_id = token.split("-")
    return EPOCH + int(micros) * MICROSECOND, uuid.UUID(row_id)
