"""OG cards over HTTP: gunicorn (2 sync workers) on 127.0.0.1, a threaded http.client load.

    python bench/og_http.py [--requests 400] [--threads 4] [--database-url URL]

For PNG 1200×630 (120-character quote, 12 shapes) it measures, with tracking
on and off: uncached (a new seed per request) and cached (one URL) requests/s
at `--threads` concurrent clients, and the latency of one client alone
(p50/p99, which is server time plus loopback). It also reports the
`Server-Timing` render/cache duration the app measured itself. The load
generator shares the machine's cores with the server: absolute requests/s
are a floor, the on/off and cached/uncached comparisons are what it shows.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
QUOTE = ("The best way to predict the future is to invent it; the second best is to "
         "render it fast and cache it forever, they say.")  # 120 characters


def start_server(port: int, tracking: bool, database_url: str | None, instance: str) -> subprocess.Popen:
    env = {**os.environ, "IMPRINT_INSTANCE_PATH": instance, "RATE_LIMITS_ENABLED": "false", "GUNICORN_ACCESSLOG": "",
           "OG_TRACKING_ENABLED": "true" if tracking else "false", "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"], env["AUTO_MIGRATE"] = database_url, "true"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = fetch(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, str]:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()  # gunicorn's sync workers close; the next request reconnects
    return response.status, response.getheader("Server-Timing") or ""


def card_path(seed: str) -> str:
    return "/og?" + urlencode({"seed": seed, "quote": QUOTE, "author": "Alan Kay", "shapes": 12})


def run_load(port: int, paths, threads: int) -> dict:
    """Send every path once, `threads` at a time; latencies in ms and requests/s."""
    latencies, timings, errors, lock = [], [], [], threading.Lock()
    chunks = [paths[i::threads] for i in range(threads)]

    def worker(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in chunk:
            start = time.perf_counter()
            status, timing = fetch(conn, path)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                (latencies if status == 200 else errors).append(elapsed)
                if "dur=" in timing:
                    timings.append(float(timing.rsplit("dur=", 1)[1]))
        conn.close()

    start = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - start
    latencies.sort()
    return {"rps": len(latencies) / wall, "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "server": statistics.median(timings) if timings else float("nan"), "errors": len(errors)}


def measure(port: int, requests: int, threads: int, tag: str) -> list[tuple[str, dict]]:
    run_load(port, [card_path(f"warm-{tag}-{i}") for i in range(40)], 2)  # import, fonts, caches
    results = []
    for name, make in (("uncached", lambda i: card_path(f"{tag}-{i}-{time.time_ns()}")),
                       ("cached", lambda i: card_path("one-url"))):
        if name == "cached":
            run_load(port, [make(0)] * 20, 4)  # both workers hold it
        results.append((f"{name}, 1 client", run_load(port, [make(i) for i in range(requests // 2)], 1)))
        results.append((f"{name}, {threads} clients", run_load(port, [make(i) for i in range(requests)], threads)))
    return results


def in_process(requests: int, tracking: bool) -> dict:
    """Server time without the network: the app's own request path, through Flask's test client."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.migrating import upgrade_database

    with tempfile.TemporaryDirectory(prefix="og-bench-") as instance:
        os.environ["IMPRINT_INSTANCE_PATH"] = instance
        app = create_app({"RATE_LIMITS_ENABLED": False, "OG_TRACKING_ENABLED": tracking,
                          "LOG_LEVEL": "WARNING", "REDIS_URL": None})
        upgrade_database(app)
        client = app.test_client()
        for i in range(20):
            client.get(card_path(f"warm-{i}"))
        etag = client.get(card_path("one-url")).headers["ETag"]
        cases = {
            "uncached": lambda i: client.get(card_path(f"new-{i}-{time.time_ns()}")),
            "cached": lambda i: client.get(card_path("one-url")),
            "304": lambda i: client.get(card_path("one-url"), headers={"If-None-Match": etag}),
        }
        result = {}
        for name, call in cases.items():
            samples = []
            for i in range(requests):
                start = time.perf_counter()
                call(i)
                samples.append((time.perf_counter() - start) * 1000)
            result[name] = statistics.median(samples)
        return result


def main_http(requests: int = 400, threads: int = 4, database_url: str | None = None, port: int = 18731) -> dict:
    """Print the figures; returns the HTTP rows as {(tracking, case): figures}."""
    print(f"In-process request path (Flask test client, {database_url and 'see below' or 'SQLite'}), "
          f"median ms over {requests}:")
    for tracking in (False, True):
        r = in_process(requests, tracking)
        print(f"  tracking {'on ' if tracking else 'off'}  uncached {r['uncached']:6.2f}  "
              f"cached {r['cached']:6.3f}  304 {r['304']:6.3f}", flush=True)
    print(f"HTTP: gunicorn 2 sync workers, {database_url or 'SQLite'}, PNG 1200x630, "
          f"{requests} requests per row (1-client rows: {requests // 2})")
    print(f"  {'tracking':9s} {'case':24s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} "
          f"{'server ms':>10s}  (Server-Timing: render or cache)")
    rows = {}
    for tracking in (False, True):
        with tempfile.TemporaryDirectory(prefix="og-bench-") as instance:
            server = start_server(port, tracking, database_url, instance)
            try:
                for name, r in measure(port, requests, threads, f"t{int(tracking)}"):
                    rows[(tracking, name)] = r
                    errors = f"  {r['errors']} errors" if r["errors"] else ""
                    print(f"  {'on' if tracking else 'off':9s} {name:24s} {r['rps']:8.0f} {r['p50']:8.2f} "
                          f"{r['p99']:8.2f} {r['server']:10.2f}{errors}", flush=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    main_http(args.requests, args.threads, args.database_url)
