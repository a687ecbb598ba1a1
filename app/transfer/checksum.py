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

from sqlalchemy import JSON, null, select

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
        return _datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, (dict, list, tuple)):
        return "j" + json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "s" + str(value)


def _datetime(value):
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


# The common types by exact type (no chain of isinstance per value); anything else through canonical().
_BY_TYPE = {
    str: lambda value: "s" + value,
    int: str,
    float: repr,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _value: "\u2205",
    uuid.UUID: str,
    datetime: _datetime,
}


def _text(value):
    convert = _BY_TYPE.get(type(value))
    return convert(value) if convert is not None else canonical(value)


def json_columns(table):
    """Columns of the JSON type: SQL NULL and JSON ``null`` both read as None there, and differ."""
    return [column for column in table.columns if isinstance(column.type, JSON)]


def select_rows(table):
    """Every column of ``table``, then, per JSON column, whether it holds SQL NULL."""
    flags = [column.is_(None).label(f"sql_null_{column.name}") for column in json_columns(table)]
    return select(*table.columns, *flags)


def row_values(table, row):
    """A row read by ``select_rows`` as insert parameters; SQL NULL kept apart from JSON null."""
    values = dict(zip(table.columns.keys(), row, strict=False))
    for column in json_columns(table):
        if row._mapping[f"sql_null_{column.name}"]:
            values[column.key] = null()
    return values


def _json_text(value):
    return "j" + json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(table, row, json_flags=None):
    """The row's 64-bit hash; ``json_flags`` (from ``json_positions``) saves looking the JSON columns up."""
    if json_flags is None:
        json_flags = json_positions(table)
    texts = [_text(value) for value in row[:len(table.columns)]]
    for index, flag in json_flags:
        if not row[flag]:
            texts[index] = _json_text(row[index])
    digest = hashlib.sha256("\x1f".join(texts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def json_positions(table):
    """(value index, SQL NULL flag index) of each JSON column in a ``select_rows`` row."""
    width = len(table.columns)
    indexes = [index for index, column in enumerate(table.columns) if isinstance(column.type, JSON)]
    return [(index, width + number) for number, index in enumerate(indexes)]


def fingerprint(connection, table, batch_size=5000):
    """Row count and checksum of ``table`` as ``connection`` sees it."""
    total = count = 0
    flags = json_positions(table)
    result = connection.execute(select_rows(table).execution_options(yield_per=batch_size))
    for row in result:
        total = (total + row_hash(table, row, flags)) & _MASK
        count += 1
    return Fingerprint(count, f"{total:016x}")
