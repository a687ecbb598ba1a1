"""Files under ``instance/storage/<bucket>/<key>``, served by the app."""

import os
import tempfile

from .base import Storage, StoredObject, safe_key


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root, base_url="", signer=None):
        self.root = os.path.abspath(root)
        self.base_url = base_url.rstrip("/")
        self.signer = signer  # private images: URLs carry an expiry and a signature (private.py)

    @property
    def signs_urls(self):
        return self.signer is not None

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
        return StoredObject(self.name, bucket, key, self.url(bucket, key), self.address(bucket, key))

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

    def local_path(self, bucket, key):
        return self.path(bucket, key)

    def url(self, bucket, key):
        url = f"{self.base_url}/storage/{bucket}/{safe_key(bucket, key)}"
        return f"{url}?{self.signer.query(bucket, key)}" if self.signer else url
