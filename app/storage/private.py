"""Private images: URLs to ``/storage/…`` that carry an expiry and an HMAC, like S3's presigned ones.

With ``STORAGE_PRIVATE`` on, the URLs the API hands out are signed and expire after
``STORAGE_URL_EXPIRES`` seconds; a fetch without a valid signature is 403. The key is derived from
``SECRET_KEY``, so every node of one install accepts the URLs any node made.
"""

import base64
import hashlib
import hmac
import time


class UrlSigner:
    def __init__(self, secret, expires):
        self.key = hmac.new(secret.encode(), b"imprint storage urls", hashlib.sha256).digest()
        self.expires = expires

    def _mac(self, bucket, key, expires):
        digest = hmac.new(self.key, f"{bucket}/{key}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def query(self, bucket, key, now=None):
        """``expires=…&sig=…`` for this object, valid for ``expires`` seconds from ``now``."""
        expires = int((now if now is not None else time.time()) + self.expires)
        return f"expires={expires}&sig={self._mac(bucket, key, expires)}"

    def valid(self, bucket, key, expires, sig, now=None):
        try:
            expires = int(expires)
        except (TypeError, ValueError):
            return False
        if expires < (now if now is not None else time.time()) or not sig or len(sig) > 64:
            return False
        return hmac.compare_digest(self._mac(bucket, key, expires), sig)
