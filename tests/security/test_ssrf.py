"""The SSRF guard refuses our own network, directly or through a redirect."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.security.ssrf import UnsafeURL, fetch_url, is_blocked_address


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                     "169.254.169.254", "0.0.0.0", "::1", "fe80::1", "fd00::1",
                                     "::ffff:127.0.0.1", "224.0.0.1", "100.64.0.1"])
def test_non_public_addresses_are_blocked(address):
    assert is_blocked_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert not is_blocked_address(address)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/x", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/", "http://[::1]/", "http://2130706433/", "file:///etc/passwd",
    "gopher://example.com/", "http://user:pw@example.com/",
])
def test_unsafe_urls_are_refused_before_any_connection(url):
    with pytest.raises(UnsafeURL):
        fetch_url(url, timeout=1)


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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _allow_only_the_test_server(address):
    # This one loopback server stands in for a public host; everything else keeps the real rules.
    return address != "127.0.0.1" and is_blocked_address(address)


def test_a_redirect_to_the_metadata_service_is_refused(local_server):
    with pytest.raises(UnsafeURL, match="non-public"):
        fetch_url(f"{local_server}/redirect", blocked=_allow_only_the_test_server)


def test_size_cap_and_a_good_fetch(local_server):
    body, content_type = fetch_url(f"{local_server}/ok", blocked=_allow_only_the_test_server)
    assert (body, content_type) == (b"png bytes", "image/png")
    with pytest.raises(UnsafeURL, match="limit"):
        fetch_url(f"{local_server}/big", max_bytes=1000, blocked=_allow_only_the_test_server)
