"""Fetching a URL a client gave us, without letting it reach our own network.

Every hop (redirects included) is checked: scheme on an allow-list, host
resolved once, every resolved address public (not loopback, private,
link-local — 169.254.169.254 is the cloud metadata service —, multicast,
reserved or unspecified), and the connection made to the address that was
checked, so DNS cannot change its answer in between. One deadline for the
whole fetch and a size cap bound what a fetch costs. IPv6 forms that carry an
IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo) are judged by that address.
"""

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit

ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 3


class UnsafeURL(ValueError):
    """The URL may not be fetched; the message says why."""


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix: the last 32 bits are IPv4


def _is_public(ip):
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def embedded_ipv4(ip):
    """The IPv4 addresses an IPv6 address carries and would reach: IPv4-mapped, 6to4, NAT64, Teredo."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip in NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.teredo:
        return list(ip.teredo)  # (server, client)
    return []


def is_blocked_address(address):
    """Whether ``address`` is not public; an IPv6 form that carries an IPv4 address is judged by it."""
    ip = ipaddress.ip_address(address)
    embedded = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else []
    if embedded and not ip.teredo:  # mapped, 6to4, NAT64: the IPv4 address decides
        return not all(_is_public(v4) for v4 in embedded)
    return not _is_public(ip)  # Teredo's 2001::/32 is never global, whatever the client it carries


def resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:  # UnicodeError: a name IDNA cannot encode (a label over 63)
        raise UnsafeURL(f"cannot resolve host {host[:100]!r}") from error
    return sorted({info[4][0] for info in infos})


def checked_address(url, blocked=is_blocked_address):
    """(parts, address, port) of ``url`` when it may be reached: scheme allowed, host resolved, every
    address public (``blocked`` judges them). Connect to that address, never to the name again."""
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
    return parts, addresses[0], port


def pinned_connection(parts, address, port, timeout):
    """An HTTP(S) connection to the checked ``address`` that speaks to the URL's host name (SNI and Host)."""
    if parts.scheme == "https":
        return _PinnedHTTPS(parts.hostname, port, address, timeout=timeout, context=ssl.create_default_context())
    return http.client.HTTPConnection(address, port, timeout=timeout)


def fetch_url(url, *, max_bytes, timeout, blocked=is_blocked_address):
    """GET ``url`` safely, at most ``max_bytes`` of body; returns (bytes, content_type). Raises UnsafeURL or OSError.

    ``timeout`` is one deadline for the whole fetch — redirects, headers and body —
    so a server that sends a byte at a time cannot hold it longer (TimeoutError).
    """
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        parts, address, port = checked_address(url, blocked)
        with _Deadline(deadline, timeout) as watch:
            response, connection = _get(parts, address, port, watch)
            try:
                if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                    url = urljoin(url, response.getheader("Location"))
                    continue
                if response.status != 200:
                    raise OSError(f"fetch answered HTTP {response.status}")
                length = response.getheader("Content-Length")
                if length and (not length.isdigit() or int(length) > max_bytes):
                    raise UnsafeURL(f"body is {length} bytes; the limit is {max_bytes}")
                body = response.read(max_bytes + 1)
                watch.check()  # a body cut short by the deadline is not a body
                if len(body) > max_bytes:
                    raise UnsafeURL(f"body exceeds the limit of {max_bytes} bytes")
                return body, response.getheader("Content-Type", "")
            finally:
                connection.close()
    raise UnsafeURL(f"more than {MAX_REDIRECTS} redirects")


class _Deadline:
    """Shuts the hop's socket down when the fetch's deadline passes, interrupting any read in progress."""

    def __init__(self, deadline, timeout):
        self.deadline, self.timeout = deadline, timeout
        self.sock, self.expired = None, threading.Event()
        self._timer = None

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            self._raise()
        return left

    def watch(self):
        self._timer = threading.Timer(self.remaining(), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self):
        self.expired.set()
        if self.sock is not None:  # none yet: connecting, bounded by the connection's own timeout
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def check(self):
        if self.expired.is_set():
            self._raise()

    def _raise(self):
        raise TimeoutError(f"the fetch took longer than its {self.timeout} s deadline")

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _traceback):
        if self._timer is not None:
            self._timer.cancel()
        if error is not None and not isinstance(error, UnsafeURL):
            self.check()  # whatever broke, the deadline is the reason when it passed
            if isinstance(error, http.client.HTTPException):  # a malformed answer is a failed fetch
                raise OSError(f"the server's answer was malformed: {error!r}") from error
        return False


def _get(parts, address, port, watch):
    """Connect to the checked address, speaking to the URL's host name (SNI and Host)."""
    connection = pinned_connection(parts, address, port, watch.remaining())
    watch.watch()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection.request("GET", path, headers={"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "Imprint"})
    watch.sock = connection.sock  # kept: http.client lets go of it once the response owns the stream
    watch.check()  # expired while connecting, before there was a socket to shut
    return connection.getresponse(), connection


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
