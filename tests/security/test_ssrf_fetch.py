"""What a guarded fetch does with the answer: redirects, status, size, headers, deadline, HTTPS pinning.

The host ``images.example`` resolves (stubbed) to 127.0.0.2, where the test server listens, so a
fetch that connected to the name instead of the checked address, or spoke to the address instead
of the name, is caught.
"""

import datetime
import json
import signal
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.security.ssrf import UnsafeURL, checked_address, fetch_url, is_blocked_address
from tests.support import serve_in_thread

HOST, ADDRESS = "images.example", "127.0.0.2"


def _allow_the_test_server(address):
    return address != ADDRESS and is_blocked_address(address)


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self):
        route, _, rest = self.path.lstrip("/").partition("/")
        if route == "hop":  # /hop/<status>/<n>: n more redirects with that status, then /echo
            status, left = rest.split("/")
            self.send_response(int(status))
            self.send_header("Location", f"/hop/{status}/{int(left) - 1}" if int(left) > 1 else "/echo?from=hop")
            self.end_headers()
        elif route == "located":  # a status that is not a redirect, carrying a Location anyway
            self.send_response(int(rest))
            self.send_header("Location", "/echo")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"here")
        elif route in ("sized", "unsized"):  # /sized/<n>: n bytes, with or without Content-Length
            self.send_response(200)
            if route == "sized":
                self.send_header("Content-Length", rest)
            self.end_headers()
            self.wfile.write(b"x" * int(rest))
        elif route == "claimed":  # a Content-Length header that is not a number
            self.send_response(200)
            self.send_header("Content-Length", "12x")
            self.end_headers()
        elif route == "endless":
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
        elif route == "garbage":
            self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
        elif route == "missing":
            self.send_response(404)
            self.end_headers()
        else:  # echo: what the fetch sent
            body = json.dumps({"path": self.path, "host": self.headers["Host"],
                               "agent": self.headers["User-Agent"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def resolving(monkeypatch):
    """``images.example`` (and any name given in ``names``) resolves to the addresses set here."""
    names = {HOST: [ADDRESS]}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            if not names[host]:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0)) for a in names[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def _serve(server):
    server.daemon_threads = True
    serve_in_thread(server)
    return server


@pytest.fixture
def site(resolving):
    server = _serve(ThreadingHTTPServer((ADDRESS, 0), _Answers))
    yield f"http://{HOST}:{server.server_address[1]}"
    server.shutdown()


def fetch(url, max_bytes=1000, timeout=5.0):
    return fetch_url(url, max_bytes=max_bytes, timeout=timeout, blocked=_allow_the_test_server)


def test_the_request_names_the_host_path_and_query_and_goes_to_the_checked_address(site):
    body, content_type = fetch(f"{site}/echo?size=2&x=%20")
    port = site.rsplit(":", 1)[1]
    assert json.loads(body) == {"path": "/echo?size=2&x=%20", "host": f"{HOST}:{port}", "agent": "Imprint"}
    assert content_type == "application/json"
    body, _ = fetch(site)  # no path: the root
    assert json.loads(body)["path"] == "/"
    body, _ = fetch(site.replace("//", "//@"))  # an empty user part is no credential, and not part of Host
    assert json.loads(body)["host"] == f"{HOST}:{port}"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_followed_relative_to_the_url_up_to_three(site, status):
    body, _ = fetch(f"{site}/hop/{status}/3")
    assert json.loads(body)["path"] == "/echo?from=hop"
    with pytest.raises(UnsafeURL, match="^more than 3 redirects$"):
        fetch(f"{site}/hop/{status}/4")


@pytest.mark.parametrize("status", [200, 304])
def test_a_location_header_on_an_answer_that_is_not_a_redirect_is_not_followed(site, status):
    if status == 200:
        assert fetch(f"{site}/located/200") == (b"here", "")  # no Content-Type: an empty one
    else:
        with pytest.raises(OSError, match="^fetch answered HTTP 304$"):
            fetch(f"{site}/located/304")


def test_an_answer_other_than_200_is_a_failed_fetch(site):
    with pytest.raises(OSError, match="^fetch answered HTTP 404$"):
        fetch(f"{site}/missing")


@pytest.mark.parametrize("route", ["sized", "unsized"])
def test_a_body_of_exactly_the_limit_is_taken_and_one_byte_more_is_refused(site, route):
    assert fetch(f"{site}/{route}/1000", max_bytes=1000)[0] == b"x" * 1000
    with pytest.raises(UnsafeURL, match=r"limit (of|is) 1000"):
        fetch(f"{site}/{route}/1001", max_bytes=1000)


def test_a_body_without_length_is_read_no_further_than_the_limit(site):
    with pytest.raises(UnsafeURL, match="^body exceeds the limit of 1000 bytes$"):
        fetch(f"{site}/endless", max_bytes=1000, timeout=3.0)


def test_a_length_that_is_not_a_number_is_refused(site):
    with pytest.raises(UnsafeURL, match="^body is 12x bytes; the limit is 1000$"):
        fetch(f"{site}/claimed")


def test_an_answer_that_is_not_http_is_a_failed_fetch(site):
    with pytest.raises(OSError, match="answer was malformed"):
        fetch(f"{site}/garbage")


def test_a_fast_fetch_under_a_short_deadline_succeeds_and_leaves_no_timer_behind(site):
    before = set(threading.enumerate())
    assert fetch(f"{site}/sized/10", timeout=1.0)[0] == b"x" * 10
    timers = [t for t in set(threading.enumerate()) - before if isinstance(t, threading.Timer)]
    for timer in timers:
        timer.join(1.0)
    assert not any(timer.is_alive() for timer in timers)


def test_a_deadline_already_passed_stops_before_connecting(site):
    with pytest.raises(TimeoutError, match="its 0 s deadline"):
        fetch(f"{site}/echo", timeout=0)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_host_that_never_accepts_the_connection_is_given_up_at_the_deadline(resolving, scheme):
    listener = socket.create_server((ADDRESS, 0), backlog=0)
    port = listener.getsockname()[1]
    queued = []
    try:  # fill the backlog: the kernel then leaves further connection attempts unanswered
        for _ in range(4):
            queued.append(socket.create_connection((ADDRESS, port), timeout=0.3))
    except TimeoutError:
        pass
    hung = []

    def interrupt(_signum, _frame):
        hung.append(True)
        raise InterruptedError("the fetch ignored its deadline while connecting")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 5.0)  # a fetch that ignores its deadline is interrupted here
    try:
        with pytest.raises(OSError):
            fetch(f"{scheme}://{HOST}:{port}/", timeout=0.5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        for sock in (*queued, listener):
            sock.close()
    assert not hung, "the fetch ignored its deadline while connecting"


def test_refusals_say_why(resolving):
    with pytest.raises(UnsafeURL, match="^scheme 'ftp' is not allowed"):
        checked_address("ftp://images.example/x")
    for url in ("http://user@images.example/", "http://:pw@images.example/", "http:///x"):
        with pytest.raises(UnsafeURL, match="^URL must name a host and carry no credentials$"):
            checked_address(url)
    resolving["mixed.example"] = ["93.184.216.34", "10.0.0.1", "10.0.0.2"]
    with pytest.raises(UnsafeURL, match=r"^host 'mixed.example' resolves to a non-public address \['10.0.0.1'\]$"):
        checked_address("http://mixed.example/")
    resolving["gone.example"] = []
    with pytest.raises(UnsafeURL, match="^cannot resolve host 'gone.example'$"):
        checked_address("http://gone.example/")


@pytest.mark.parametrize(("url", "port"), [("http://images.example/", 80), ("https://images.example/", 443),
                                          ("https://images.example:8443/", 8443)])
def test_the_port_is_the_schemes_default_unless_given(resolving, url, port):
    assert checked_address(url, _allow_the_test_server)[1:] == (ADDRESS, port)


@pytest.fixture
def trusted_https_site(resolving, tmp_path, monkeypatch):
    """An HTTPS server on the checked address with a certificate for ``images.example`` that the
    default verification trusts (``SSL_CERT_FILE``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = ThreadingHTTPServer((ADDRESS, 0), _Answers, bind_and_activate=False)
    # The handshake in the handler's thread: a client that never starts one cannot stall the server.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.server_bind()
    server.server_activate()
    _serve(server)
    yield f"https://{HOST}:{server.server_address[1]}"
    server.shutdown()


def test_https_connects_to_the_checked_address_and_verifies_the_urls_host(trusted_https_site, monkeypatch):
    body, _ = fetch(f"{trusted_https_site}/echo")
    assert json.loads(body)["host"] == f"{HOST}:{trusted_https_site.rsplit(':', 1)[1]}"
    monkeypatch.delenv("SSL_CERT_FILE")  # a certificate the system does not trust is refused
    with pytest.raises(ssl.SSLError):
        fetch(f"{trusted_https_site}/echo")
