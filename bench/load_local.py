"""What tracking costs in local mode: SQLite, no Redis, the process's writer thread.

    .venv/bin/python bench/load_local.py [--seconds 10] [--rounds 4] [--threads 4]

Starts two gunicorns (gunicorn.conf.py, 2 workers x 4 threads) side by side in
local mode, each on its own instance folder and SQLite file, one with
``OG_TRACKING_ENABLED=false`` and one with it on, then loads a cached OG card
on one, then the other (``--rounds`` x ``--seconds`` each, in ABBA order, so
both see the same machine noise). Prints each round's requests/s and the web
processes' CPU per request (the writer thread runs in them, so its work is
counted), the medians and what tracking costs in each; then stops both servers (SIGTERM: a normal exit, which
drains the writer) and checks that every request the tracked server answered
has its ``og_generations`` row, found by the request's own User-Agent.

On a shared virtual machine single slices differ by tens of percent whatever
the setting, so the figure is the median of many alternating slices. With
``--instructions`` it also counts, under valgrind's callgrind, the
instructions one process spends per cached-card request (the Flask test
client, the writer thread included) with tracking off and on: a cost that
does not depend on what else the machine is doing. Under valgrind a request
takes tens of times longer, so the writer's linger would gather only a few
events per transaction: there the events are written in batches of
``--batch`` (what the linger gathers at the servers' own rate) instead.
"""

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadgen import CACHED_SEEDS, Load, ok  # noqa: E402
from stack import PYTHON, ROOT, Stack, free_port, wait_for  # noqa: E402

CACHED = {"og_cached": 1}


class LocalServer:
    """gunicorn in local mode on a folder of its own (the SQLite file, the spool and storage live there)."""

    def __init__(self, root, name, tracking, **settings):
        self.instance = os.path.join(root, name)
        os.makedirs(self.instance)
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GUNICORN_", "TEST_", "DATABASE_", "REDIS_", "IMPRINT_"))}
        self.env.update({
            "IMPRINT_INSTANCE_PATH": self.instance, "SECRET_KEY": "bench-local", "FLASK_APP": "wsgi",
            "LOG_LEVEL": "WARNING", "OG_TRACKING_ENABLED": "true" if tracking else "false",
            "RATE_LIMIT_OG": "1000000/minute", "RATE_LIMIT_DEFAULT": "1000000/minute",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESSLOG": "",
            **settings,
        })
        subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=300)
        self.log = open(os.path.join(self.instance, "web.log"), "ab")  # noqa: SIM115 (kept open by the child)
        self.process = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                        env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.answers, 60, "gunicorn")

    def answers(self):
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def warm(self):
        load = Load(self.port, "none", CACHED, threads=2, run_id=f"warm{self.port}")
        load.run(2, max_requests=400)  # every cached seed rendered once by both workers

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the workers exit normally
            self.process.wait(60)
        self.log.close()

    def agents(self):
        """The User-Agents of the rows written (one per tracked request)."""
        path = os.path.join(self.instance, "imprint.db")
        with sqlite3.connect(path) as connection:
            return {ua for (ua,) in connection.execute(
                "select user_agent from og_generations where user_agent like 'imprint-bench/%'")}


PROBE = """
import os, sys, tempfile
sys.path.insert(0, {root!r})
os.environ.update(IMPRINT_INSTANCE_PATH=tempfile.mkdtemp(), SECRET_KEY="bench", LOG_LEVEL="WARNING",
                  OG_TRACKING_ENABLED={tracking!r}, RATE_LIMIT_OG="1000000/minute",
                  TRACKING_WRITE_LINGER="3600", TRACKING_BATCH_SIZE={batch!r})
from app import create_app, tracking
from app.extensions import db
app = create_app()
with app.app_context():
    db.create_all()
client = app.test_client()
for i in range({requests}):
    client.get(f"/og/cached-{{i % 16}}.png?quote=Tracked", headers={{"User-Agent": f"imprint-bench/{{i}}"}})
tracking.flush(app=app)
"""


def instructions(tracking, requests, batch):
    """Instructions callgrind counts for a whole process that serves ``requests`` cached cards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "TEST_", "IMPRINT_"))}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PYTHON, "-c",
                           PROBE.format(root=ROOT, tracking=str(tracking).lower(), requests=requests,
                                                      batch=str(batch))],
                          env=env, capture_output=True, text=True, check=True)
    return int(done.stderr.rsplit("Collected :", 1)[1].split()[0])


def instructions_per_request(batch, low=300, high=900):
    """(off, on) instructions per request: the slope between two runs, so start-up cancels out."""
    return tuple((instructions(tracking, high, batch) - instructions(tracking, low, batch)) / (high - low)
                 for tracking in (False, True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="seconds per slice")
    parser.add_argument("--rounds", type=int, default=4, help="off/on rounds")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for both servers (e.g. TRACKING_WRITE_LINGER=0.02)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per request under callgrind (a few minutes)")
    parser.add_argument("--batch", type=int, default=75,
                        help="events per transaction under callgrind (about what 0.25 s gathers at 600 requests/s"
                             " over 2 workers)")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    root = tempfile.mkdtemp(prefix="imprint-local-")
    servers = {False: LocalServer(root, "off", False, **settings), True: LocalServer(root, "on", True, **settings)}
    try:
        for server in servers.values():
            server.warm()
        print(f"local mode (SQLite, no Redis): a cached OG card ({len(CACHED_SEEDS)} seeds) on two gunicorns"
              f" (2 workers x 4 threads), tracking off on :{servers[False].port} and on on :{servers[True].port};"
              f" {args.threads} client threads, {args.rounds} rounds of {args.seconds:.0f} s; {settings or ''}",
              flush=True)
        rates, cpu, answered = {False: [], True: []}, {False: [], True: []}, set()
        for number in range(args.rounds):
            for tracking in (False, True) if number % 2 == 0 else (True, False):
                load = Load(servers[tracking].port, "none", CACHED, threads=args.threads,
                            run_id=f"r{number}{int(tracking)}")
                pid = servers[tracking].process.pid
                before = Stack.tree_cpu_seconds(pid)
                elapsed = load.run(args.seconds)
                time.sleep(0.5)  # the writer's last batch of the slice (TRACKING_WRITE_LINGER) is charged to it
                good = [r for r in load.results if ok(r)]
                rates[tracking].append(len(good) / elapsed)
                cpu[tracking].append(1000 * (Stack.tree_cpu_seconds(pid) - before) / max(1, len(good)))
                if tracking:
                    answered.update(r.ident for r in good)
                p50 = statistics.median(r.ms for r in good) if good else 0.0
                print(f"  round {number + 1} tracking {'on ' if tracking else 'off'}: {rates[tracking][-1]:7.1f} req/s"
                      f" (p50 {p50:.2f} ms, {len(load.results) - len(good)} failed); web CPU {cpu[tracking][-1]:.3f}"
                      " ms/request", flush=True)
        off, on = statistics.median(rates[False]), statistics.median(rates[True])
        pairs = [100 * (a - b) / a for a, b in zip(rates[False], rates[True], strict=True)]
        quartiles = statistics.quantiles(pairs, n=4) if len(pairs) > 1 else pairs * 3
        print(f"  median: off {off:.1f} req/s, on {on:.1f} req/s -> tracking costs {100 * (off - on) / off:+.1f}%"
              f" of throughput (goal: at most 10%); each round's own off/on pair: median {statistics.median(pairs):+.1f}%,"
              f" middle half {quartiles[0]:+.1f}% to {quartiles[2]:+.1f}%")
        cpu_off, cpu_on = statistics.median(cpu[False]), statistics.median(cpu[True])
        print(f"  web CPU per request (medians): off {cpu_off:.3f} ms, on {cpu_on:.3f} ms -> tracking adds"
              f" {1000 * (cpu_on - cpu_off):.0f} us, {100 * (cpu_on - cpu_off) / cpu_off:+.1f}% of an untracked"
              " request's CPU")
    finally:
        for server in servers.values():
            server.stop()
    rows = servers[True].agents()
    print(f"requests answered with tracking on: {len(answered)}, rows found: {len(answered & rows)},"
          f" missing: {len(answered - rows)}; rows on the untracked server: {len(servers[False].agents())}")
    if args.instructions:
        off, on = instructions_per_request(args.batch)
        print(f"instructions per cached-card request, one process (callgrind, {args.batch} events per"
              f" transaction): off {off / 1e6:.3f} M,"
              f" on {on / 1e6:.3f} M -> tracking adds {(on - off) / 1e3:.0f} k, {100 * (on - off) / off:+.1f}%")


if __name__ == "__main__":
    main()
