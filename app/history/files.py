"""Stored files and the rows that reference them: a file goes only when no row uses its key.

Identical bytes share one key (their SHA-256), so two users' images can be one
file. Every writer and deleter of a key locks it inside its transaction:
PostgreSQL with an advisory lock per key, SQLite with the database's write
lock that every transaction takes up front (``BEGIN IMMEDIATE``, app/sqlite.py).
A deleter locks, asks whether any row still references the key and deletes
the file; a writer locks before it commits its row and puts back a file a
deleter removed meanwhile. Either order ends with the file present exactly
when a committed row references it.
"""

import hashlib
import logging

from sqlalchemy import exists, select, text

from app.extensions import db
from app.models import DatasetImage, GeneratedImage, ImageVariant
from app.storage.variants import delete_variants

log = logging.getLogger(__name__)

# The column that holds each bucket's keys.
REFERENCES = {"generated-images": GeneratedImage.storage_key, "dataset-images": DatasetImage.storage_key,
              "image-variants": ImageVariant.variant_key}


def _lock_id(bucket, key):
    return int.from_bytes(hashlib.sha256(f"{bucket}/{key}".encode()).digest()[:8], "big", signed=True)


def lock_keys(bucket, keys):
    """Hold these keys until the session's transaction ends (sorted: two lockers never deadlock)."""
    if db.session.get_bind().dialect.name == "postgresql":
        for lock_id in sorted({_lock_id(bucket, key) for key in keys}):
            db.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
    else:
        db.session.execute(select(1))  # begins the transaction: SQLite's write lock is taken


def is_referenced(bucket, key):
    """Whether a row (committed, or this transaction's own) still uses ``key``."""
    column = REFERENCES[bucket]
    return db.session.scalar(select(exists().where(column == key)))


def delete_unreferenced(storage, bucket, keys):
    """Delete the files of ``keys`` no row references any more; returns how many went.

    Call after deleting the rows and before committing: the locks are held until then.
    """
    keys = sorted({key for key in keys if key})
    if not keys:
        return 0
    db.session.flush()
    lock_keys(bucket, keys)
    removed = 0
    for key in keys:
        if not is_referenced(bucket, key):
            storage.delete(bucket, key)
            delete_variants(storage, bucket, key)  # made from this file: they go with it
            removed += 1
    return removed


def keep_files(storage, stored):
    """Before a commit of rows referencing ``stored`` [(StoredImage, bytes)]: lock, put back any missing file."""
    for bucket in sorted({item.bucket for item, _data in stored}):
        lock_keys(bucket, [item.key for item, _data in stored if item.bucket == bucket])
    for item, data in stored:
        if not storage.exists(item.bucket, item.key):
            log.info("storage: %s/%s was deleted while it was being referenced; stored again", item.bucket, item.key)
            storage.put(item.bucket, item.key, data, item.mime_type)


def unused_names(names):
    """Of these image SHA-256s (or ids), those no image row has any more."""
    return sorted(name for name in {n for n in names if n}
                  if not db.session.scalar(select(exists().where(GeneratedImage.sha256 == name))))
