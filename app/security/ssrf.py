"""Fetching a URL a client gave us, without letting it reach our own network.

Every hop (redirects included) is checked: scheme on an allow-list, host
resolved once, every resolved address public (not loopback, private,
link-local — 169.254.169.254 is the cloud metadata service —, multicast,
reserved or unspecified), and the connection made to the address that was
checked, so DNS cannot change its answer in between. Timeouts and a size cap
bound what a fetch costs.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urljoin, urlsplit

ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 3


class UnsafeURL(ValueError):
    """The URL may not be fetched; the message says why."""


def is_blocked_address(address):
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_link_local


def resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeURL(f"cannot resolve host {host!r}") from error
    return sorted({info[4][0] for info in infos})


def fetch_url(url, *, max_bytes=10 * 1024 * 1024, timeout=5.0, blocked=is_blocked_address):
    """GET ``url`` safely; returns (bytes, content_type). Raises UnsafeURL or OSError."""
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ALLOWED_SCHEMES:
            raise UnsafeURL(f"scheme {parts.scheme!r} is not allowed (use http or https)")
        if not parts.hostname or parts.username or parts.password:
            raise UnsafeURL("URL must name a host and carry no credentials")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(parts.hostname, port)
        refused = [a for a in addresses if blocked(a)]
        if refused or not addresses:
            raise UnsafeURL(f"host {parts.hostname!r} resolves to a non-public address {refused[:1]}")
        response, connection = _get(parts, addresses[0], port, timeout)
        try:
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise OSError(f"fetch answered HTTP {response.status}")
            length = response.getheader("Content-Length")
            if length and int(length) > max_bytes:
                raise UnsafeURL(f"body is {length} bytes; the limit is {max_bytes}")
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise UnsafeURL(f"body exceeds the limit of {max_bytes} bytes")
            return body, response.getheader("Content-Type", "")
        finally:
            connection.close()
    raise UnsafeURL(f"more than {MAX_REDIRECTS} redirects")


def _get(parts, address, port, timeout):
    """Connect to the checked address, speaking to the URL's host name (SNI and Host)."""
    host = parts.hostname
    if parts.scheme == "https":
        connection = _PinnedHTTPS(host, port, address, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(address, port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection.request("GET", path, headers={"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "Imprint"})
    return connection.getresponse(), connection


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
