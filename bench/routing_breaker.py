"""A dead first target with and without its circuit breaker: what a request through the route costs.

    python bench/routing_breaker.py [count]

Target A is an OpenAI-compatible server that accepts the connection and
never answers in time (``PROVIDER_TIMEOUT`` = 1 s); target B is the procedural
renderer. With the breaker off every request waits out A's timeout before B
serves it; with ``BREAKER_FAILURES=3`` the first three do, then A is skipped.
The app runs in this process (Flask's test client, SQLite in a temporary folder).
"""

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hanging(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802  (http.server's name)
        time.sleep(3)

    def log_message(self, *args):
        pass


def _run(label, app, count):
    client, timings = app.test_client(), []
    for index in range(count):
        started = time.perf_counter()
        response = client.post("/ai/generate", json={"prompt": f"bench {index}", "route": "r", "size": "256x256"})
        assert response.status_code == 201, response.get_json()
        timings.append((time.perf_counter() - started) * 1000)
    later = timings[3:] or timings
    print(f"{label:26} n={count} first 3: {', '.join(f'{t:.0f}' for t in timings[:3])} ms; "
          f"then median {statistics.median(later):7.1f} ms, max {max(later):7.1f} ms")


def main(count=13):
    directory = tempfile.mkdtemp(prefix="imprint-bench-")
    os.environ["IMPRINT_INSTANCE_PATH"] = directory
    from app import create_app
    from app.migrating import upgrade_database

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hanging)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    route = {"r": [{"provider": "openai", "model": "gpt-image-1.5",
                    "settings": {"OPENAI_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}"}},
                   "procedural"]}
    for label, failures in (("breaker off", 0), ("BREAKER_FAILURES=3", 3)):
        app = create_app({"DATABASE_URL": f"sqlite:///{directory}/bench-{failures}.db", "SECRET_KEY": "bench",
                          "LOG_LEVEL": "ERROR", "RATE_LIMITS_ENABLED": False, "OPENAI_API_KEY": "sk-bench",
                          "PROVIDER_TIMEOUT": 1.0, "PROVIDER_RETRIES": 0, "AI_ROUTES": json.dumps(route),
                          "BREAKER_FAILURES": failures, "BREAKER_COOLDOWN": 600, "ALLOW_ANONYMOUS": True,
                          "ANON_DAILY_GENERATION_LIMIT": 10_000})
        upgrade_database(app)
        _run(label, app, count)
        app.extensions["tracking"].close()
    server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 13)
