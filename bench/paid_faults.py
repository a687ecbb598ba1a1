"""Paid work under faults: for every provider call a row and a log, every job settled, no orphan, no 500.

    .venv/bin/python bench/paid_faults.py [--requests 6] [--delay 3]

Starts the private stack of bench/stack.py (its own PostgreSQL and Redis on
free ports), an S3 server (moto, on a free port), a slow OpenAI stand-in
(tests/ai/openai_standin.py answering after ``--delay`` seconds, counting its
calls per prompt), gunicorn and one ``flask ai worker``, with leases of
``LEASE`` seconds. Then, one scenario after another:

1. ``web SIGKILL``: synchronous generations; a gunicorn worker SIGKILLed while they wait on the provider;
2. ``horse SIGKILL``: queued generations; the RQ work horse SIGKILLed mid-call;
3. ``DB cut``: PostgreSQL stopped (fast) while calls are in flight, so they reach their commit without it;
   started again 5 s later;
4. ``Redis down``: quota-limited generations while Redis is stopped, then Redis back without its data;
5. ``S3 down``: the S3 server stopped while calls are in flight (and a request sent while it is down).

After each, the system is left to settle (at most 60 s: the worker's reaper runs
about once a lease), and the bench prints: provider calls, success/failed/abandoned
rows, generation_logs rows, jobs not settled, unreferenced objects in storage (before
and after ``flask sweep-storage``), HTTP 500s, prompts the provider was paid for twice,
and at the end the user's quota counter against the images made. Exit status 1 when a
provider call has no row or not exactly one log, a job is unsettled, an orphan survives the sweep,
or a 500 was answered.
"""

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from stack import PYTHON, ROOT, Stack, free_port, wait_for  # noqa: E402

from tests.ai.openai_standin import openai_images  # noqa: E402
from tests.ai.servers import serve  # noqa: E402

LEASE = 5
SETTLE_SECONDS = 60


class SlowProvider:
    """The OpenAI stand-in, answering after ``delay`` seconds; counts calls per prompt."""

    def __init__(self, delay):
        self.delay, self.answer = delay, openai_images(key="sk-test")
        self.calls = collections.Counter()
        self.in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, seen):
        prompt = json.loads(seen.body or b"{}").get("prompt", "")
        with self.lock:
            self.calls[prompt] += 1
            self.in_flight += 1
        try:
            time.sleep(self.delay)
            return self.answer(seen)
        finally:
            with self.lock:
                self.in_flight -= 1


class S3Server:
    def __init__(self, stack):
        self.port, self.stack, self.process = free_port(), stack, None

    def start(self):
        self.process = subprocess.Popen([os.path.join(os.path.dirname(PYTHON), "moto_server"), "-H", "127.0.0.1",
                                         "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _status(f"http://127.0.0.1:{self.port}/") < 500, 30, "moto_server")
        self.client().create_bucket(Bucket="imprint")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.port}", region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def keys(self):
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket="imprint")
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 599


def post(stack, path, body, key):
    request = urllib.request.Request(f"http://127.0.0.1:{stack.web_port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except OSError as error:  # the connection died with its worker
        return 0, {"error": str(error)}


def send_all(stack, key, scenario, count, path="/ai/generate", first=0):
    """Send ``count`` generations at once (threads); returns the threads and their answers."""
    answers = []

    def one(index):
        body = {"prompt": f"{scenario} #{index}", "request_id": f"{scenario}-{index}"}
        answers.append(post(stack, path, body, key)[0])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(first, first + count)]
    for thread in threads:
        thread.start()
    return threads, answers


def wait_in_flight(provider, count, timeout=30):
    wait_for(lambda: provider.in_flight >= count, timeout, f"{count} provider call(s) in flight")


def psql_int(stack, sql):
    for _ in range(60):
        try:
            return int(stack.psql(sql).strip() or 0)
        except subprocess.CalledProcessError:
            time.sleep(1)  # PostgreSQL is starting again
    raise RuntimeError(f"psql never answered: {sql}")


def measure(stack, s3, provider, scenario, answers, started):
    like = f"'{scenario} #%'"
    calls = sum(n for prompt, n in provider.calls.items() if prompt.startswith(f"{scenario} #"))
    twice = sum(1 for prompt, n in provider.calls.items() if prompt.startswith(f"{scenario} #") and n > 1)
    rows = {status: psql_int(stack, f"SELECT count(*) FROM generated_images WHERE prompt LIKE {like} "
                                    f"AND status = '{status}'") for status in ("success", "failed", "abandoned")}
    logs = psql_int(stack, "SELECT count(*) FROM generation_logs l JOIN generation_jobs j ON l.job_id = j.id::text "
                           f"WHERE j.request->'record'->>'prompt' LIKE {like}")
    unsettled = psql_int(stack, "SELECT count(*) FROM generation_jobs WHERE status IN ('queued', 'running') "
                                f"AND (request->'payload'->>'prompt' LIKE {like} "
                                f"OR request->'record'->>'prompt' LIKE {like})")
    dry = stack.flask("sweep-storage", "--grace-hours", "0", "--dry-run", check=False).stdout
    orphans = _removals(dry)
    stack.flask("sweep-storage", "--grace-hours", "0", check=False)
    after = _removals(stack.flask("sweep-storage", "--grace-hours", "0", "--dry-run", check=False).stdout)
    return {"scenario": scenario, "calls": calls, **rows, "logs": logs, "unsettled": unsettled,
            "orphans": orphans, "orphans after sweep": after, "500s": answers.count(500), "paid twice": twice,
            "answers": dict(collections.Counter(answers)), "seconds": round(time.monotonic() - started, 1)}


def _removals(output):
    return sum(1 for line in output.splitlines() if line.startswith("would remove "))


def settle(stack, scenario):
    """Wait until no job of ``scenario`` is queued or running (the reaper settles the dead), at most 60 s."""
    like = f"'{scenario} #%'"
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if not psql_int(stack, "SELECT count(*) FROM generation_jobs WHERE status IN ('queued', 'running') AND "
                               f"(request->'payload'->>'prompt' LIKE {like} OR request->'record'->>'prompt' LIKE {like})"):
            break
        time.sleep(1)
    stack.flask("tracking", "replay", check=False)
    time.sleep(2)


def start_generation_worker(stack):
    worker = subprocess.Popen([PYTHON, "-m", "flask", "ai", "worker"], cwd=ROOT, env=stack.env(),
                              stdout=stack._log("generation-worker"), stderr=subprocess.STDOUT)
    stack.workers.append(worker)
    return worker


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def scenario_web_kill(stack, s3, provider, key, n):
    started = time.monotonic()
    threads, answers = send_all(stack, key, "web-kill", n)
    wait_in_flight(provider, n)
    for pid in stack.web_worker_pids():
        os.kill(pid, signal.SIGKILL)  # every web worker: each held calls in flight
    for thread in threads:
        thread.join()
    settle(stack, "web-kill")
    return measure(stack, s3, provider, "web-kill", answers, started)


def scenario_horse_kill(stack, s3, provider, key, n, worker):
    started = time.monotonic()
    threads, answers = send_all(stack, key, "horse-kill", n, path="/ai/generate?async=true")
    for thread in threads:
        thread.join()
    wait_in_flight(provider, 1)
    for horse in children(worker.pid):
        os.kill(horse, signal.SIGKILL)
    settle(stack, "horse-kill")
    return measure(stack, s3, provider, "horse-kill", answers, started)


def scenario_db_cut(stack, s3, provider, key, n):
    started = time.monotonic()
    threads, answers = send_all(stack, key, "db-cut", n)
    wait_in_flight(provider, n)
    stack.stop_postgres()
    time.sleep(5)
    stack.start_postgres(initialise=False)
    for thread in threads:
        thread.join()
    settle(stack, "db-cut")
    return measure(stack, s3, provider, "db-cut", answers, started)


def scenario_redis_down(stack, s3, provider, key, n):
    started = time.monotonic()
    stack.stop_redis()
    threads, answers = send_all(stack, key, "redis-down", n)
    for thread in threads:
        thread.join()
    import shutil

    shutil.rmtree(stack.redis_dir, ignore_errors=True)  # back without its data
    stack.start_redis()
    time.sleep(2)
    threads, more = send_all(stack, key, "redis-down", 2, first=n)
    for thread in threads:
        thread.join()
    settle(stack, "redis-down")
    return measure(stack, s3, provider, "redis-down", answers + more, started)


def scenario_s3_down(stack, s3, provider, key, n):
    started = time.monotonic()
    threads, answers = send_all(stack, key, "s3-down", n)
    wait_in_flight(provider, n)
    s3.stop()
    for thread in threads:
        thread.join()
    more_threads, more = send_all(stack, key, "s3-down", 1, first=n)
    for thread in more_threads:
        thread.join()
    s3.start()
    settle(stack, "s3-down")
    return measure(stack, s3, provider, "s3-down", answers + more, started)


def quota_check(stack, user_id):
    import redis

    client = redis.Redis.from_url(stack.redis_url)
    counted = sum(int(client.get(k) or 0) for k in client.keys(f"imprint:quota:user:{user_id}:*:gen"))
    made = psql_int(stack, f"SELECT count(*) FROM generated_images WHERE user_id = '{user_id}' "
                           "AND status = 'success' AND created_at >= date_trunc('day', now())")
    return counted, made


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6, help="generations per scenario")
    parser.add_argument("--delay", type=float, default=3.0, help="seconds the provider takes")
    parser.add_argument("--keep", action="store_true", help="keep the stack's logs and data")
    args = parser.parse_args()
    provider = SlowProvider(args.delay)
    with serve(provider) as openai, Stack(tracking_workers=1, web_workers=2, threads=8, keep=args.keep) as stack:
        s3 = S3Server(stack)
        s3.start()
        stack.settings.update({
            "AI_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": openai.url + "/v1",
            "PROVIDER_RETRIES": 0, "PROVIDER_TIMEOUT": 60, "GENERATION_LEASE_SECONDS": LEASE,
            "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": f"http://127.0.0.1:{s3.port}", "S3_BUCKET": "imprint",
            "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test", "S3_MAX_ATTEMPTS": 1, "S3_TIMEOUT": 3,
            "DAILY_GENERATION_LIMIT": 1000, "IDEMPOTENCY_WAIT_SECONDS": 1, "GUNICORN_TIMEOUT": 120,
            "STORAGE_SWEEP_INTERVAL_SECONDS": 0,
        })
        try:
            stack.start_postgres()
            stack.start_redis()
            stack.migrate()
            stack.flask("users", "create", "bench-payer")
            key = next(w for w in stack.flask("keys", "create", "--user", "bench-payer").stdout.split()
                       if w.startswith("imp_"))
            user_id = stack.psql("SELECT id FROM users WHERE username = 'bench-payer'").strip()
            stack.start_worker()
            worker = start_generation_worker(stack)
            stack.start_web()
            n = args.requests
            results = []
            for run in (lambda: scenario_web_kill(stack, s3, provider, key, n),
                        lambda: scenario_horse_kill(stack, s3, provider, key, n, worker),
                        lambda: scenario_db_cut(stack, s3, provider, key, n),
                        lambda: scenario_redis_down(stack, s3, provider, key, n),
                        lambda: scenario_s3_down(stack, s3, provider, key, n)):
                if stack.web.poll() is not None:
                    stack.start_web()
                results.append(run())
                print(json.dumps(results[-1]), flush=True)
            counted, made = quota_check(stack, user_id)
        finally:
            s3.stop()
    report(results, counted, made)
    bad = any(r["calls"] > r["success"] + r["failed"] + r["abandoned"] or r["logs"] != r["calls"] or r["unsettled"]
              or r["orphans after sweep"] or r["500s"] for r in results)
    sys.exit(1 if bad else 0)


def report(results, counted, made):
    columns = ["calls", "success", "failed", "abandoned", "logs", "unsettled", "orphans", "orphans after sweep",
               "500s", "paid twice"]
    widths = [max(6, len(c)) + 2 for c in columns]
    print(f"\n{'scenario':<12}" + "".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)) + "  answers")
    for r in results:
        print(f"{r['scenario']:<12}" + "".join(f"{r[c]:>{w}}" for c, w in zip(columns, widths, strict=True))
              + f"  {r['answers']}")
    print(f"\nquota counted {counted}, images made {made} today")


if __name__ == "__main__":
    main()
