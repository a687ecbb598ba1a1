"""A table's fingerprint, computed the same way on any database: row count and content checksum.

Rows are read through the models' column types, so both sides yield the same
Python values (aware UTC datetimes, UUIDs, decoded JSON, address text); each
value is written in one canonical form, each row hashed with SHA-256, and the
row hashes are added modulo 2**64, so the order the databases return rows in
(collations differ) does not matter.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    checksum: str


def canonical(value):
    """One text form per value, whatever database it came from."""
    if value is None:
        return "\u2205"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, (dict, list, tuple)):
        return "j" + json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "s" + str(value)


def row_hash(values):
    digest = hashlib.sha256("\x1f".join(canonical(v) for v in values).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def fingerprint(connection, table, batch_size=5000):
    """Row count and checksum of ``table`` as ``connection`` sees it."""
    total = count = 0
    result = connection.execution_options(yield_per=batch_size).execute(select(*table.columns))
    for row in result:
        total = (total + row_hash(row)) & _MASK
        count += 1
    return Fingerprint(count, f"{total:016x}")
