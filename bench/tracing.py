"""What OpenTelemetry tracing costs on the hot paths: OG cards and tracked events, tracing off and on.

    python bench/tracing.py [--cached 3000] [--uncached 60] [--events 20000]

Each mode runs in a fresh process (a process has one tracer provider): off is
the default (no ``OTEL_*`` endpoint), on exports every span over OTLP/HTTP to
a local receiver that answers 200 (the BatchSpanProcessor's defaults). In
process, through the Flask test client: a cached card (one URL), an uncached
card (a new seed each time), and ``tracking.record`` of an OG event. Prints
the median and p90 per operation and the events a second recorded.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(args):
    sys.path.insert(0, str(ROOT))
    from app import create_app, tracking
    from app.observability import tracing

    app = create_app({"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/bench.db", "AUTO_MIGRATE": True,
                      "RATE_LIMITS_ENABLED": False, "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    url = "/og?seed=bench&quote=The+best+way+to+predict+the+future+is+to+invent+it"

    def timed(path, count):
        samples = []
        for i in range(count):
            started = time.perf_counter()
            response = client.get(path(i))
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            response.close()
        return samples

    timed(lambda i: url, 50)  # warm: fonts, caches
    cached = timed(lambda i: url, args.cached)
    uncached = timed(lambda i: f"/og?seed=bench-{i}&shapes=12", args.uncached)
    with app.app_context():
        started = time.perf_counter()
        for i in range(args.events):
            tracking.record("og_generation", seed=f"e-{i}", aspect_ratio="default")
        events_per_s = args.events / (time.perf_counter() - started)
        tracking.flush()
    print(json.dumps({"tracing": tracing.is_on(), "cached": cached, "uncached": uncached,
                      "events_per_s": events_per_s}))


class Receiver(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.received += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def run(args, env):
    result = subprocess.run([sys.executable, __file__, "--child", "--cached", str(args.cached), "--uncached",
                             str(args.uncached), "--events", str(args.events)],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def figures(samples):
    ordered = sorted(samples)
    return f"{statistics.median(ordered):.3f} / {ordered[int(len(ordered) * 0.9)]:.3f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cached", type=int, default=3000)
    parser.add_argument("--uncached", type=int, default=60)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return measure(args)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    base.pop("REDIS_URL", None)
    results = {}
    for _ in range(2):  # off, on, off, on: a change in the machine's load falls on both
        for mode in ("off", "on"):
            env = dict(base) if mode == "off" else {
                **base, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}"}
            result = run(args, env)
            assert result["tracing"] is (mode == "on")
            merged = results.setdefault(mode, {"cached": [], "uncached": [], "events_per_s": []})
            merged["cached"] += result["cached"]
            merged["uncached"] += result["uncached"]
            merged["events_per_s"].append(result["events_per_s"])
    print("| per operation, median / p90 ms | tracing off | tracing on |")
    print("| --- | --- | --- |")
    for key, label in (("cached", "OG card, cached (same URL)"), ("uncached", "OG card, rendered (new seed)")):
        print(f"| {label} | {figures(results['off'][key])} | {figures(results['on'][key])} |")
    off_events, on_events = (statistics.median(results[m]["events_per_s"]) for m in ("off", "on"))
    print(f"| tracking.record, events/s | {off_events:,.0f} | {on_events:,.0f} |")
    print(f"(the receiver took {Receiver.received} OTLP export requests)")


if __name__ == "__main__":
    main()
