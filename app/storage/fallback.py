"""A primary backend with a fallback: a failed put lands in the fallback.

The returned StoredObject names the backend that stored the bytes, so the
record says where they are. Reads try the primary, then the fallback.
"""

import logging

from .base import Storage

log = logging.getLogger(__name__)


class FallbackStorage(Storage):
    def __init__(self, primary, fallback):
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    @property
    def backends(self):
        return (self.primary, self.fallback)

    def listing(self, bucket):
        for backend in self.backends:
            yield from backend.listing(bucket)

    def remove_stale_temporaries(self, older_than):
        return [name for backend in self.backends for name in backend.remove_stale_temporaries(older_than)]

    def put(self, bucket, key, data, content_type):
        try:
            return self.primary.put(bucket, key, data, content_type)
        except Exception as error:
            log.warning("storage: %s failed to store %s/%s (%s); using %s",
                        self.primary.name, bucket, key, error, self.fallback.name)
            return self.fallback.put(bucket, key, data, content_type)

    def get(self, bucket, key):
        try:
            return self.primary.get(bucket, key)
        except Exception:
            return self.fallback.get(bucket, key)

    def delete(self, bucket, key):
        for backend in self.backends:
            try:
                backend.delete(bucket, key)
            except Exception as error:
                log.warning("storage: %s could not delete %s/%s: %s", backend.name, bucket, key, error)

    def exists(self, bucket, key):
        """Whether either backend holds the object; an unreachable primary counts as no."""
        return self.find(bucket, key) is not None

    def url(self, bucket, key):
        return self.primary.url(bucket, key)

    def find(self, bucket, key):
        for backend in self.backends:
            try:
                found = backend.find(bucket, key)
            except Exception:  # an unreachable primary: look in the fallback
                continue
            if found is not None:
                return found
        return None

    def backend(self, name):
        """The backend called ``name`` (e.g. the one a record says stored it), or None."""
        return next((b for b in self.backends if b.name == name), None)
