"""Portable column types: one definition, the right native type per database.

PostgreSQL gets JSONB, TEXT[], INET and TIMESTAMPTZ; SQLite gets JSON text,
a JSON array, a string and UTC datetimes stored naive and returned aware.
Queries that differ per dialect (has tag, JSON key, hour, percentile) live in
``app/models/query.py``.
"""

import functools
import ipaddress
import os
import random
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, Text, TypeDecorator, Uuid
from sqlalchemy.dialects import postgresql

JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")
UUIDType = Uuid(as_uuid=True)


def new_uuid():
    return uuid.uuid4()


_id_bits = random.Random()  # never seeded by anyone else's random.seed()
os.register_at_fork(after_in_child=_id_bits.seed)


def uuid7():
    """A time-ordered UUID (RFC 9562, version 7): 48 bits of Unix milliseconds, then 74 random bits.

    Ledger rows (tracking events) take these: each insert lands at the end of
    the primary-key index instead of on a random page of it. The random bits
    come from a generator of their own, seeded by the OS and again in every
    forked process (not a system call per id: these ids are unique, not secret).
    """
    random_bits = _id_bits.getrandbits(74)
    return uuid.UUID(int=(time.time_ns() // 1_000_000) << 80 | 0x7 << 76 | (random_bits >> 62) << 64
                     | 0b10 << 62 | random_bits & (1 << 62) - 1)


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store UTC without an offset so that text
        # comparison and strftime() order rows correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Tags(TypeDecorator):
    """A list of strings: TEXT[] on PostgreSQL, a JSON array elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(Text()))
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value, dialect):
        return None if value is None else [str(tag) for tag in value]

    def process_result_value(self, value, dialect):
        return None if value is None else list(value)


@functools.lru_cache(maxsize=4096)  # tracking writes the same few addresses again and again
def _ip_text(value):
    return str(ipaddress.ip_address(value))


class IPAddress(TypeDecorator):
    """An IP address: INET on PostgreSQL, its text form elsewhere."""

    impl = String(45)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.INET())
        return dialect.type_descriptor(String(45))

    def process_bind_param(self, value, dialect):
        return None if value is None else _ip_text(str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else str(value)
