"""The storage interface and the key rules every backend shares."""

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

# The buckets images are stored in.
BUCKETS = ("generated-images", "dataset-images", "logos", "reference-images", "image-variants")

_KEY_CHARS = re.compile(r"^[A-Za-z0-9._\-/]+$")
MAX_KEY_LENGTH = 512


class InvalidKey(ValueError):
    """A bucket or key that could escape its bucket, or is not allowed."""


def safe_key(bucket, key):
    """Validate a bucket and key; returns the normalised key or raises InvalidKey.

    Refused: unknown buckets, empty keys, absolute paths, ``..`` segments,
    backslashes, NUL and other control characters, and percent-encoded
    separators (a key is checked both as given and once decoded).
    """
    if bucket not in BUCKETS:
        raise InvalidKey(f"unknown bucket {bucket!r}")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey("key must be 1 to 512 characters")
    for candidate in (key, unquote(key)):
        if "\x00" in candidate or "\\" in candidate or candidate.startswith("/"):
            raise InvalidKey("key may not be absolute or contain NUL or backslashes")
        parts = candidate.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise InvalidKey("key may not contain empty, '.' or '..' segments")
    if not _KEY_CHARS.match(key):
        raise InvalidKey("key may contain only letters, digits, '.', '_', '-' and '/'")
    return posixpath.normpath(key)


@dataclass(frozen=True)
class StoredObject:
    """Where a stored object lives and how to reach it."""

    provider: str
    bucket: str
    key: str
    url: str  # the public (or signed) URL a client fetches
    storage_url: str  # the backend's own address, e.g. s3://bucket/key or file path


class Storage:
    """Backends implement these; callers never know which one they got."""

    name = "abstract"

    def put(self, bucket, key, data, content_type):  # -> StoredObject
        raise NotImplementedError

    def get(self, bucket, key):  # -> bytes
        raise NotImplementedError

    def delete(self, bucket, key):
        raise NotImplementedError

    def exists(self, bucket, key):
        raise NotImplementedError

    def url(self, bucket, key):
        raise NotImplementedError

    def address(self, bucket, key):
        """The backend's own address for an object (a path, ``s3://…``); default: its URL."""
        return self.url(bucket, key)

    def find(self, bucket, key):
        """The StoredObject for an existing object, or None (used to store identical bytes once)."""
        if not self.exists(bucket, key):
            return None
        return StoredObject(self.name, bucket, key, self.url(bucket, key), self.address(bucket, key))

    def listing(self, bucket):
        """Yield (key, last modified as an aware UTC datetime) of every object in ``bucket``."""
        raise NotImplementedError

    def remove_stale_temporaries(self, older_than):
        """Remove half-written files left by failed writes before ``older_than``; returns their names."""
        return []

    def backend(self, name):
        """The backend called ``name`` (for a chain, one of its members), or None."""
        return self if name == self.name else None

    def check(self):
        """Write, read back and delete a probe object; raise if any step fails."""
        key = "_healthcheck/probe.txt"
        self.put("generated-images", key, b"ok", "text/plain")
        if self.get("generated-images", key) != b"ok":
            raise OSError("storage returned different bytes than were written")
        self.delete("generated-images", key)
