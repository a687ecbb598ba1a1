"""Files under ``instance/storage/<bucket>/<key>``, served by the app."""

import os
import tempfile

from .base import Storage, StoredObject, safe_key


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root, base_url=""):
        self.root = os.path.abspath(root)
        self.base_url = base_url.rstrip("/")

    def path(self, bucket, key):
        key = safe_key(bucket, key)
        path = os.path.abspath(os.path.join(self.root, bucket, key))
        if not path.startswith(os.path.join(self.root, bucket) + os.sep):
            raise ValueError("key escapes its bucket")
        return path

    def put(self, bucket, key, data, content_type):
        path = self.path(bucket, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Write then rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return StoredObject(self.name, bucket, key, self.url(bucket, key), path)

    def get(self, bucket, key):
        with open(self.path(bucket, key), "rb") as fh:
            return fh.read()

    def delete(self, bucket, key):
        try:
            os.remove(self.path(bucket, key))
        except FileNotFoundError:
            pass

    def exists(self, bucket, key):
        return os.path.isfile(self.path(bucket, key))

    def url(self, bucket, key):
        return f"{self.base_url}/storage/{bucket}/{safe_key(bucket, key)}"
