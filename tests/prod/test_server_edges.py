"""The server's edges, against a real gunicorn with gunicorn.conf.py: a malformed chunked body is a 400 in
JSON (no traceback), gunicorn's own refusals are JSON too, and a client that sends too slowly is cut off."""

import json
import socket
import time

import pytest

from tests.prod.gunicorn_server import start_gunicorn
from tests.tracking.harness import stop

READ_SECONDS = 2


@pytest.fixture
def gunicorn(app):
    server = start_gunicorn(app, GUNICORN_READ_SECONDS=READ_SECONDS)
    process, port = server.process, server.port
    yield process, port
    stop(process)


def exchange(port, raw, pause_after=None, timeout=10):
    """Send ``raw`` bytes, read until the server closes or answers fully; (status, headers, body) or None."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        if pause_after:
            time.sleep(pause_after)
        data = b""
        while True:
            try:
                piece = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not piece:
                break
            data += piece
            head, _, body = data.partition(b"\r\n\r\n")
            length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
            if length and len(body) >= int(length[0].split(b":")[1]):
                break
    if not data:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def chunked_post(chunks):
    return (b"POST /ai/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunks)


MALFORMED = {
    "not-hex": b"zz\r\n{}\r\n0\r\n\r\n",
    "negative": b"-5\r\n{}\r\n0\r\n\r\n",
    "over-long-size": b"F" * 40 + b"\r\n{}\r\n0\r\n\r\n",
    "missing-terminator": b"2\r\n{}XX0\r\n\r\n",
    "size-larger-than-data-then-garbage": b"5\r\n{}\r\nzz\r\n\r\n",
}


def test_malformed_chunked_bodies_are_json_400s(gunicorn):
    process, port = gunicorn
    for name, chunks in MALFORMED.items():
        answer = exchange(port, chunked_post(chunks))
        assert answer is not None, name
        status, headers, body = answer
        assert status == 400, (name, status, body[:300])
        assert headers["content-type"].startswith("application/json"), name
        assert json.loads(body)["code"] == 400, name
    stop(process)
    log = process.stderr.read()
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]


def test_a_truncated_chunk_is_cut_at_the_read_deadline(gunicorn):
    _process, port = gunicorn
    started = time.monotonic()
    answer = exchange(port, chunked_post(b"40\r\n{\"prompt\": "), timeout=READ_SECONDS + 20)
    assert time.monotonic() - started < READ_SECONDS + 10
    if answer is not None:  # the app was reading the body: it answers; else the connection is just closed
        assert answer[0] == 400 and json.loads(answer[2])["code"] == 400


REFUSALS = {
    "414-line": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "431-header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
    "400-header-name": (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400),
    "400-version": (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
}


def test_the_servers_own_refusals_are_json(gunicorn):
    _process, port = gunicorn
    for name, (raw, status) in REFUSALS.items():  # one server for all: each is a new connection
        answer_status, headers, body = exchange(port, raw)
        assert answer_status == status, name
        assert headers["content-type"] == "application/json", name
        assert json.loads(body)["code"] == status, name


def test_a_client_sending_a_byte_at_a_time_is_cut_off(gunicorn):
    _process, port = gunicorn
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 100 + b"\r\n\r\n"
    started = time.monotonic()
    closed_after = None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
            time.sleep(0.2)
            if time.monotonic() - started > READ_SECONDS + 8:
                break
        if closed_after is None:
            try:
                closed = sock.recv(100) == b""
            except (ConnectionResetError, TimeoutError):
                closed = True
            assert closed
            closed_after = time.monotonic() - started
    assert closed_after < READ_SECONDS + 8
