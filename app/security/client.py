"""Who is calling: the client's address (forwarded headers believed only from trusted proxies), and the Caller."""

import functools
import ipaddress
from dataclasses import dataclass

from flask import current_app, request
from flask_smorest import abort

from app.security.tags import HEADER as TAGS_HEADER
from app.security.tags import TagsInvalid, parse_tags_header

from .geo import country_for


@dataclass(frozen=True)
class Caller:
    """Whom a service works for, built once in the view: services take it instead of reading the request.

    ``address`` is the client's address as the app sees it (for quotas); tracking
    rows keep it through ``maybe_anonymize_ip``. A job run after its request
    rebuilds the caller from what the request stored (principal, country, tags).
    ``tags`` come from the ``Imprint-Tags`` header; the rows record them with the body's.
    """

    principal: object = None  # app.auth.Principal, None for an anonymous caller
    address: str | None = None
    country: str | None = None
    user_agent: str | None = None
    tags: tuple = ()

    @property
    def user_id(self):
        return self.principal.user_id if self.principal is not None else None

    @property
    def key_id(self):
        """The API key the caller used (a dashboard session's sign-in key); None when anonymous."""
        return self.principal.key_id if self.principal is not None else None


def request_caller(principal, req=None):
    """The Caller of this request: ``principal`` plus the request's address, country, user agent and tags."""
    req = req or request
    address = client_ip(req)
    try:
        tags = parse_tags_header(req.headers.get(TAGS_HEADER))
    except TagsInvalid as error:
        abort(400, message=str(error), errors={"headers": {TAGS_HEADER: [str(error)]}})
    return Caller(principal, address, _country(address, current_app.config), req.headers.get("User-Agent"), tags)


def client_ip(req=None, trusted_proxies=None):
    """The caller's IP address as a string, or None.

    ``X-Forwarded-For`` is forged by anyone, so it is read only when the app
    sits behind ``TRUSTED_PROXIES`` proxies; then the address that the
    outermost trusted proxy saw (the Nth from the right) is the client.
    ``X-Real-IP`` is used when there is exactly one trusted proxy and no
    ``X-Forwarded-For``.
    """
    req = req or request
    if trusted_proxies is None:
        trusted_proxies = current_app.config.get("TRUSTED_PROXIES", 0)
    address = req.remote_addr
    if trusted_proxies > 0:
        hops = [hop.strip() for hop in req.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
        elif trusted_proxies == 1 and req.headers.get("X-Real-IP"):
            address = req.headers["X-Real-IP"].strip()
    return _valid(address)


def anonymize_ip(address):
    """Zero the last octet of an IPv4 address, the last 80 bits of an IPv6 one.

    Returns the anonymised text form; None for None or an unparsable value.
    Callers that write addresses (OG and generation tracking) use
    ``maybe_anonymize_ip`` so that the ``ANONYMIZE_IP`` setting decides.
    """
    if address is None:
        return None
    try:
        ip = ipaddress.ip_address(str(address).strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def maybe_anonymize_ip(address, config=None):
    """``anonymize_ip(address)`` when ANONYMIZE_IP is on, else the address unchanged."""
    config = config if config is not None else current_app.config
    return anonymize_ip(address) if config.get("ANONYMIZE_IP") else address


def client_fields(req=None):
    """The caller's address as tracking rows keep it: anonymised when ``ANONYMIZE_IP``, plus its country."""
    address = client_ip(req)
    config = current_app.config
    return {"ip_address": maybe_anonymize_ip(address, config), "country": _country(address, config)}


def _country(address, config):
    return country_for(address, config["GEOIP_DATABASE_PATH"]) if config.get("GEOIP_DATABASE_PATH") else None


@functools.lru_cache(maxsize=4096)  # asked on every tracked request, mostly for the same few addresses
def _valid(address):
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
