"""Local mode (no Redis): two gunicorn worker processes count one daily quota, and a restart keeps it."""

import http.client
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from tests.prod.test_shutdown import sigterm_and_wait
from tests.support import make_api_key
from tests.tracking.harness import ROOT, free_port, worker_env

LIMIT = 10


def _request(port, method, path, key=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    try:
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Worker-Pid")
    finally:
        conn.close()


def _start(app, settings):
    """gunicorn with two single-threaded workers; returns once both have answered."""
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
                seen |= {pid for _s, pid in pool.map(lambda _: _request(port, "GET", "/healthz"), range(4))}
        except OSError:
            time.sleep(0.2)
    return server, port


def test_two_gunicorn_processes_admit_exactly_the_daily_limit_and_a_restart_keeps_it(app, tmp_path):
    app.config["TRACKING_SPOOL_PATH"] = str(tmp_path / "spool.jsonl")
    with app.app_context():
        _user, key = make_api_key(app, "quota-race")
    settings = {"DAILY_GENERATION_LIMIT": LIMIT, "QUOTA_COUNTERS_PATH": str(tmp_path / "counters.json")}

    def generate(index):
        return _request(port, "POST", "/ai/generate", key, {"prompt": f"a lighthouse, take {index}",
                                                             "size": "256x256"})

    server, port = _start(app, settings)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(generate, range(40)))
    finally:
        sigterm_and_wait(server)
    codes = [code for code, _pid in answers]
    assert len({pid for _code, pid in answers}) == 2  # both processes took requests
    assert codes.count(201) == LIMIT and codes.count(429) == 40 - LIMIT, codes

    server, port = _start(app, settings)  # a restart: the day's count is still there
    try:
        assert generate(99)[0] == 429
    finally:
        sigterm_and_wait(server)
