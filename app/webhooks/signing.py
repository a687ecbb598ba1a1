"""Standard Webhooks signatures: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``.

The signed content is ``{id}.{timestamp}.{body}``, HMAC-SHA256 with the
endpoint's secret: ``whsec_`` and the key's base64. Each attempt is signed
with its own timestamp (receivers refuse old ones); the id stays the event's,
so a receiver can drop what it already has.
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
KEY_BYTES = 32


def new_secret():
    """A fresh endpoint secret, ``whsec_`` and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def signature(secret, message_id, timestamp, body):
    """The ``webhook-signature`` value of ``body`` (bytes) sent as ``message_id`` at ``timestamp`` (unix seconds)."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{int(timestamp)}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret, message_id, timestamp, body):
    """The three headers of one attempt."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(timestamp)),
            "webhook-signature": signature(secret, message_id, timestamp, body)}
