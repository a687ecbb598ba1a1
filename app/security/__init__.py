"""Making Imprint safe to expose: client address, headers, rate limits, quotas, SSRF guard."""

from .client import client_ip
from .headers import init_security_headers
from .limits import init_rate_limits

__all__ = ["client_ip", "init_rate_limits", "init_security_headers", "init_security"]


def init_security(app, principal_of):
    from .text_input import init_text_input

    init_security_headers(app)
    init_text_input(app)
    init_rate_limits(app, principal_of)
