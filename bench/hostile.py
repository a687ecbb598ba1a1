"""Hostile inputs against a local-mode gunicorn: each case's answer, wall time and the workers' peak memory.

    .venv/bin/python bench/hostile.py [--cards 300]

Starts gunicorn (gunicorn.conf.py, 2 workers x 4 threads) in local mode on a
folder of its own, makes an admin key, then sends each case once: lists of a
million items in 2-8 MB bodies on every endpoint that takes a list,
fractional integers, SVG logo bombs, fonts that pass the table checks and then
break, malformed chunked bodies, a request line past gunicorn's limit, a client
sending a byte at a time, and a run of distinct CJK cards (the glyph caches).
Before each case the workers' peak RSS is reset (``/proc/<pid>/clear_refs``),
so the figure printed is the peak during that case. Goal: no 5xx, every list
case answered in well under a second, no worker past its ceiling.
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from load_local import LocalServer  # noqa: E402
from stack import PYTHON, ROOT  # noqa: E402

from tests.og.font_builder import build_font, replace_table  # noqa: E402
from tests.og.test_svg_bombs import (  # noqa: E402
    billion_laughs_utf16,
    doctype_after_the_first_4096_bytes,
    nested_masks,
    nested_use,
)

MILLION = 1_000_000


def admin_key(server):
    """An admin user and its API key on ``server``'s instance, made with the flask commands."""
    run = [PYTHON, "-m", "flask"]
    subprocess.run([*run, "users", "create", "bench-admin", "--admin"], cwd=ROOT, env=server.env, check=True,
                   capture_output=True)
    out = subprocess.run([*run, "keys", "create", "--user", "bench-admin", "--admin"], cwd=ROOT, env=server.env,
                         check=True, capture_output=True, text=True).stdout
    return next(word for word in out.split() if word.startswith("imp_"))


def workers(server):
    """PIDs of the gunicorn workers (the master's children)."""
    with open(f"/proc/{server.process.pid}/task/{server.process.pid}/children") as children:
        return [int(pid) for pid in children.read().split()]


def reset_peaks(pids):
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as refs:
                refs.write("5")  # resets VmHWM to the current RSS
        except OSError:
            pass


def peak_mb(pids):
    peaks = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                line = next(line for line in status if line.startswith("VmHWM:"))
            peaks.append(int(line.split()[1]) / 1024)
        except (OSError, StopIteration):
            pass
    return max(peaks, default=0)


def request(port, method, path, body=b"", headers=None, timeout=120):
    """One request on its own connection; the server may answer (a 413) and close before the body is sent."""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items()) + "\r\n"
    return raw(port, head.encode("latin-1"), body, timeout=timeout)


def raw(port, data, body=b"", timeout=30):
    """Send bytes as they are; the first answer's status and body, or 'closed'."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        try:
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (and closed) before the whole body was sent
        received = b""
        try:
            while piece := sock.recv(65536):
                received += piece
        except (TimeoutError, ConnectionResetError):
            pass
    if not received:
        return "closed", b""
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def slow_client(port, seconds=30):
    """A byte a second until the server closes the connection; returns how long it held it."""
    started = time.monotonic()
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 200 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for byte in data:
            try:
                sock.sendall(bytes([byte]))
                time.sleep(1)
                if time.monotonic() - started > seconds:
                    return "held", b""
                sock.setblocking(False)
                try:
                    if sock.recv(1) == b"":
                        return f"cut after {time.monotonic() - started:.0f} s", b""
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                return f"cut after {time.monotonic() - started:.0f} s", b""
    return "answered", b""


def json_body(extra, field, item, count):
    return json.dumps({**extra, field: [item] * count}).encode()


def cases(key, cards):
    admin = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    anonymous = {"Content-Type": "application/json"}
    lists = {
        "/ai/generate tags, 1M, 2 MB, no key": ("/ai/generate", "tags", {"prompt": "x"}, "t", anonymous),
        "/ai/generate tags, 1M, 8 MB, no key": ("/ai/generate", "tags", {"prompt": "x"}, "abcdef", anonymous),
        "/ai/tools/edit operations, 1M": ("/ai/tools/edit", "operations", {}, {"op": "flip"}, admin),
        "/ai/datasets elements, 1M": ("/ai/datasets", "unique_visual_elements", {"name": "x"}, "e", admin),
        "/ai/tools/chart labels, 1M": ("/ai/tools/chart", "labels", {"type": "bar", "values": [1]}, "l", admin),
        "/prompts tags, 1M": ("/prompts", "tags", {"id": "p", "name": "p", "template": "t"}, "t", admin),
        "/v1/images/generations tags, 1M": ("/v1/images/generations", "tags", {"prompt": "x"}, "t", admin),
        "/v1/images/edits images, 1M": ("/v1/images/edits", "images", {"prompt": "x"}, "x", admin),
    }
    for name, (path, field, extra, item, headers) in lists.items():
        yield name, lambda port, p=path, f=field, e=extra, i=item, h=headers: request(
            port, "POST", p, json_body(e, f, i, MILLION), h)
    yield "/ai/tools/chart labels, 5,000 bad items", lambda port: request(
        port, "POST", "/ai/tools/chart", json_body({"type": "bar", "values": [1]}, "labels", 7, 5000), admin)
    for body in ({"prompt": "x", "n": 1.5}, {"prompt": "x", "seed": 4294967295.5}):
        yield f"/ai/generate {json.dumps(body)}", lambda port, b=body: request(
            port, "POST", "/ai/generate", json.dumps(b).encode(), anonymous)
    logos = {"nested <use>": nested_use(), "nested masks": nested_masks(), "UTF-16 billion laughs": billion_laughs_utf16(),
             "DOCTYPE after 4096 bytes": doctype_after_the_first_4096_bytes()}
    for number, (name, data) in enumerate(logos.items()):
        body = json.dumps({"name": f"bomb-{number}", "logo": base64.b64encode(data).decode()}).encode()
        yield f"SVG logo: {name} ({len(data)} B)", lambda port, b=body: request(port, "POST", "/og/templates", b, admin)
    far = build_font(far_glyph=True)
    garbage_name = replace_table(build_font(), "name", b"\x00\x00\xff\xff\x00\x36" + b"\xff" * 12)  # 65,535 records
    for number, (name, data) in enumerate({"glyph 30 em from its origin": far,
                                           "name table of 65,535 missing records": garbage_name}.items()):
        body = json.dumps({"name": f"font-{number}", "font_file": base64.b64encode(data).decode()}).encode()
        yield f"font: {name}", lambda port, b=body: request(port, "POST", "/og/templates", b, admin)
    chunked = {"not hex": b"zz", "negative": b"-5", "over-long size": b"F" * 40}
    for name, size in chunked.items():
        data = (b"POST /ai/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + size + b"\r\n{}\r\n0\r\n\r\n")
        yield f"chunked body: {name} chunk size", lambda port, d=data: raw(port, d)
    yield "request line of 9,000 bytes", lambda port: raw(port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    yield "a byte a second", slow_client
    titles = [chr(0x4E00 + i * 7) + chr(0x4E01 + i * 13) + chr(0x6000 + i) for i in range(cards)]

    def cjk_cards(port):
        statuses = {request(port, "GET", f"/og/c{i}.png?title={quote(title)}&lang=ja")[0]
                    for i, title in enumerate(titles)}
        return ",".join(map(str, sorted(statuses))), b""

    yield f"{cards} distinct CJK cards", cjk_cards


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=300)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="imprint-hostile-")
    server = LocalServer(root, "web", tracking=True, RATE_LIMIT_AI="1000000/minute", RATE_LIMIT_OPENAI="1000000/minute",
                         GUNICORN_READ_SECONDS="15")
    try:
        key = admin_key(server)
        pids = workers(server)
        print(f"gunicorn :{server.port}, workers {pids}, idle peak {peak_mb(pids):.0f} MB")
        print(f"{'case':52} {'answer':>16} {'bytes':>7} {'wall':>8} {'peak RSS':>9}")
        for name, send in cases(key, args.cards):
            reset_peaks(pids)
            started = time.monotonic()
            status, body = send(server.port)
            wall = time.monotonic() - started
            print(f"{name[:52]:52} {status!s:>16} {len(body):>7} {wall * 1000:>6.0f}ms {peak_mb(pids):>6.0f} MB",
                  flush=True)
        server.log.flush()
        with open(os.path.join(server.instance, "web.log"), "rb") as log:
            lines = log.read().decode("utf-8", "replace").splitlines()
        print(f"log: {len(lines)} lines, {sum('Traceback' in line for line in lines)} tracebacks, "
              f"most repeated line x{max((lines.count(line) for line in set(lines)), default=0)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
