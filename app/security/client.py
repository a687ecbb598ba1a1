"""The client's address, believing forwarded headers only from trusted proxies."""

import ipaddress

from flask import current_app, request


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


def _valid(address):
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
