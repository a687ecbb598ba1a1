"""Signed card URLs: an HMAC-SHA256 over the path and the canonical query, so only holders of a key
can make cards under a brand.

The algorithm, so that any language can sign (docs/og.md shows Python and JavaScript):

1. Take the URL's path as the server sees it, decoded (``/og/t/acme/launch.png``), and its query
   parameters except ``sig``, decoded.
2. Canonical query: the (name, value) pairs sorted by name, then value; each name and value
   UTF-8 percent-encoded leaving only ``A–Z a–z 0–9 - . _ ~`` as they are (RFC 3986 unreserved);
   joined as ``name=value`` with ``&``.
3. Message: the percent-encoded path (``/`` kept as it is), then ``?``, then the canonical query
   (``?`` and nothing after it when there is no parameter).
4. ``sig`` = base64url(HMAC-SHA256(key, message)) without ``=`` padding, added as a query parameter.

Several keys may be set (``OG_SIGNING_KEYS``): the first signs, every one is accepted, so a new key can
be rolled out before the old one is removed.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from app.config import parse_template_modes

SIGNATURE_PARAM = "sig"
# The parameters that carry no text of the caller's: with OG_SIGNATURES=text, a URL with only these
# needs no signature (the seed picks art, presets pick sizes and colours).
FREE_PARAMS = frozenset({"seed", "format", "aspect", "layout", "width", "height", "shapes", "theme", "font",
                         "lang"})
MAX_SIGNATURE = 64  # base64url of 32 bytes is 43 characters


def _encode(text, safe=""):
    return quote(text, safe=safe + "-._~")


def canonical_message(path, pairs):
    """The bytes that are signed: see the module's docstring."""
    query = "&".join(f"{_encode(name)}={_encode(value)}"
                     for name, value in sorted((n, v) for n, v in pairs if n != SIGNATURE_PARAM))
    return f"{_encode(path, safe='/')}?{query}".encode()


def signature(key, path, pairs):
    digest = hmac.new(key.encode(), canonical_message(path, pairs), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_url(url, key):
    """``url`` (absolute or a path) with its ``sig`` parameter; any ``sig`` it had is replaced."""
    parts = urlsplit(url)
    pairs = [(n, v) for n, v in query_pairs(url) if n != SIGNATURE_PARAM]
    pairs.append((SIGNATURE_PARAM, signature(key, parts.path, pairs)))
    query = "&".join(f"{_encode(name)}={_encode(value)}" for name, value in pairs)
    return urlunsplit(parts._replace(query=query))


@dataclass(frozen=True)
class Policy:
    """Which card URLs must be signed, and the keys that may have signed them."""

    keys: tuple[str, ...]
    mode: str  # required | text | off
    template_modes: tuple[tuple[str, str], ...] = ()  # a brand template's own choice

    @classmethod
    def from_config(cls, config):
        keys = tuple(key.strip() for key in (config.get("OG_SIGNING_KEYS") or "").split(",") if key.strip())
        mode = config.get("OG_SIGNATURES") or ("required" if keys else "off")
        return cls(keys, mode, tuple(parse_template_modes(config.get("OG_SIGNATURES_BY_TEMPLATE")).items()))

    def mode_for(self, path):
        """The mode of a card path: its template's own (``/og/t/<name>/…``), else the global one."""
        if path.startswith("/og/t/"):
            name = path[len("/og/t/"):].split("/", 1)[0]
            return dict(self.template_modes).get(name, self.mode)
        return self.mode

    def needs_signature(self, pairs, path=""):
        """Whether a URL with this path and these query ``pairs`` must carry a valid ``sig``."""
        mode = self.mode_for(path)
        if mode == "off":
            return False
        if mode == "text":
            return any(name not in FREE_PARAMS for name, _ in pairs if name != SIGNATURE_PARAM)
        return True

    def refusal(self, path, pairs):
        """None when the URL may be served, else why not (for the 403's message)."""
        if not self.needs_signature(pairs, path):
            return None
        given = [value for name, value in pairs if name == SIGNATURE_PARAM]
        if not given:
            return "this card URL must be signed: its sig parameter is missing"
        if len(given) > 1 or len(given[0]) > MAX_SIGNATURE:
            return "sig: one signature of at most 64 characters"
        if any(hmac.compare_digest(signature(key, path, pairs), given[0]) for key in self.keys):
            return None
        return "sig: the signature does not match this URL (a changed parameter, or a key no longer accepted)"


class SigningNotConfigured(Exception):
    """No OG_SIGNING_KEYS: there is nothing to sign with."""


class NotACardUrl(ValueError):
    """The URL to sign is not one of a card."""


def sign_card_url(url, policy):
    """``url`` signed with the policy's first key."""
    if not policy.keys:
        raise SigningNotConfigured("card signing is not configured: set OG_SIGNING_KEYS")
    path = urlsplit(url).path
    if not (path.startswith("/og/") or path == "/og") or path in ("/og/sign", "/og/stats", "/og/templates"):
        raise NotACardUrl("must be a card URL (/og?…, /og/<seed>.<ext>, /og/t/<template>/…)")
    return sign_url(url, policy.keys[0])


def query_pairs(url):
    """The decoded (name, value) pairs of a URL's query, in order."""
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def current_policy():
    """The app's signing policy, read from its settings once."""
    from flask import current_app

    policy = current_app.extensions.get("og_signing")
    if policy is None:
        policy = current_app.extensions.setdefault("og_signing", Policy.from_config(current_app.config))
    return policy
