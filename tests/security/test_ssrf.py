"""The SSRF guard refuses our own network, directly or through a redirect."""

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.security.ssrf import UnsafeURL, fetch_url, is_blocked_address
from tests.support import serve_in_thread


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                     "169.254.169.254", "0.0.0.0", "::1", "fe80::1", "fd00::1",
                                     "::ffff:127.0.0.1", "224.0.0.1", "100.64.0.1",
                                     "4000::1"])  # IETF-reserved, though ipaddress calls it global
def test_non_public_addresses_are_blocked(address):
    assert is_blocked_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert not is_blocked_address(address)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/x", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/", "http://[::1]/", "http://2130706433/", "file:///etc/passwd",
    "gopher://example.com/", "http://user:pw@example.com/",
    "https://" + "0" * 64 + "/",  # a label IDNA cannot encode: a refusal, not a crash
])
def test_unsafe_urls_are_refused_before_any_connection(url):
    with pytest.raises(UnsafeURL):
        fetch_url(url, max_bytes=1000, timeout=1)


class _Server(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(5000))
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"png bytes")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _allow_only_the_test_server(address):
    # This one loopback server stands in for a public host; everything else keeps the real rules.
    return address != "127.0.0.1" and is_blocked_address(address)


def test_a_redirect_to_the_metadata_service_is_refused(local_server):
    with pytest.raises(UnsafeURL, match="non-public"):
        fetch_url(f"{local_server}/redirect", max_bytes=1000, timeout=5, blocked=_allow_only_the_test_server)


def test_size_cap_and_a_good_fetch(local_server):
    body, content_type = fetch_url(f"{local_server}/ok", max_bytes=1000, timeout=5, blocked=_allow_only_the_test_server)
    assert (body, content_type) == (b"png bytes", "image/png")
    with pytest.raises(UnsafeURL, match="limit"):
        fetch_url(f"{local_server}/big", max_bytes=1000, timeout=5, blocked=_allow_only_the_test_server)


@pytest.mark.parametrize("address", [
    "2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::",  # 6to4 of 127.0.0.1, 10.0.0.1, 169.254.169.254
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:101",  # NAT64 of loopback, metadata, 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::ffff:10.0.0.1",
])
def test_ipv6_forms_carrying_a_private_ipv4_are_blocked(address):
    assert is_blocked_address(address)


@pytest.mark.parametrize("address", ["2002:5db8:d822::1", "64:ff9b::5db8:d822", "::ffff:93.184.216.34"])
def test_ipv6_forms_carrying_a_public_ipv4_pass(address):
    assert not is_blocked_address(address)


class _Drip(BaseHTTPRequestHandler):
    """Answers a byte every 0.1 s: each read is quick, the whole answer would take 30 s."""

    def do_GET(self):
        try:
            if self.path == "/headers":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(300):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            if self.path == "/sized":
                self.send_header("Content-Length", "300")
            self.end_headers()
            for _ in range(300):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("path", ["/body", "/sized", "/headers"])
def test_one_deadline_for_the_whole_fetch_against_a_slow_drip(path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    serve_in_thread(server)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match="its 1.0 s deadline"):
            fetch_url(f"http://127.0.0.1:{server.server_address[1]}{path}", max_bytes=1000, timeout=1.0,
                      blocked=_allow_only_the_test_server)
        held = time.monotonic() - started
    finally:
        server.shutdown()
    assert held < 2.0, f"the 1 s fetch took {held:.1f} s"  # within a second of its deadline
