"""gunicorn with the shipped gunicorn.conf.py in a subprocess, for the tests of production processes."""

import http.client
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tests.tracking.harness import ROOT, free_port, worker_env


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    stderr_path: str | None = None

    def stderr_lines(self):
        with open(self.stderr_path, encoding="utf-8") as stream:
            return stream.read().splitlines()


def start_gunicorn(app, stderr_path=None, **extra):
    """Start 2 workers on a free port and wait for /healthz; stderr goes to ``stderr_path`` or a pipe."""
    port = free_port()
    settings = {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": 2, "GUNICORN_ACCESSLOG": "",
                "RATE_LIMITS_ENABLED": "false", **extra}
    env = worker_env(app, **settings)
    stderr = open(stderr_path, "w", encoding="utf-8") if stderr_path else subprocess.PIPE
    try:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
    finally:
        if stderr_path:
            stderr.close()
    server = Gunicorn(process, port, stderr_path)
    deadline = time.monotonic() + 60
    while True:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = open(stderr_path).read() if stderr_path else process.stderr.read()
                raise AssertionError("gunicorn did not start: " + output[-3000:]) from None
            time.sleep(0.2)


def request(port, method, path, body=None, headers=None):
    """(status, headers, body bytes) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"User-Agent": f"prod-test {path}", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def sigterm_and_wait(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(90)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("did not stop within 90 s of SIGTERM") from None


def pid_request(port, method, path, key=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    try:
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Worker-Pid")
    finally:
        conn.close()


def start_two_workers(app, settings):
    """gunicorn with two single-threaded workers answering with their pid; returns once both have answered."""
    port = free_port()
    env = worker_env(app, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=2, GUNICORN_THREADS=1,
                     GUNICORN_ACCESSLOG="", RATE_LIMITS_ENABLED="false", **settings)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "tests.prod.worker_pid_app:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, deadline = set(), time.monotonic() + 90
    while len(seen) < 2:
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise AssertionError(f"gunicorn did not start two workers (saw {seen})")
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                seen |= {pid for _s, pid in pool.map(lambda _: pid_request(port, "GET", "/healthz"), range(4))}
        except OSError:
            time.sleep(0.2)
    return server, port


def generate_in_parallel(app, settings, key, prompt, count=40):
    """``count`` generations at once (16 at a time) against two fresh gunicorn processes started with
    ``settings``; [(status, worker pid)], after both processes are stopped."""
    server, port = start_two_workers(app, settings)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(lambda index: pid_request(port, "POST", "/ai/generate", key, {
                "prompt": f"{prompt}, take {index}", "size": "256x256"}), range(count)))
    finally:
        sigterm_and_wait(server)
