"""The lock a writer and a deleter of one stored file share (PostgreSQL's advisory lock per key)."""

from app.history.files import _lock_id

BIGINT = range(-(2 ** 63), 2 ** 63)  # pg_advisory_xact_lock takes one bigint


def test_every_key_locks_under_a_bigint_of_its_own_bucket_and_key():
    keys = [f"{n:02x}/{n:064x}.png" for n in range(256)]
    ids = [_lock_id("generated-images", key) for key in keys]
    assert all(lock in BIGINT for lock in ids)  # out of range, PostgreSQL refuses the lock and the delete fails
    assert ids == [_lock_id("generated-images", key) for key in keys]  # a writer and a deleter meet on one lock
    assert len(set(ids)) == len(keys)
    assert _lock_id("dataset-images", keys[0]) != ids[0]  # one bucket's key does not hold up another's
