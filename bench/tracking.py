"""Tracking pipeline throughput: record() → rows in PostgreSQL, through Redis and batched RQ drain jobs.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_tracking \\
    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/tracking.py [--events 50000] [--workers 1,2]

Empties og_generations of that database and the Redis database it is given
(use scratch ones). Workers are real ``flask tracking worker`` processes.
Prints: record() latency (median, p99) inside a request with each chain (the
request hands its events over when it ends, which is included); events/s from
the first record() to the last row through Redis and batched drain jobs (batch
size, worker count); and the batched drain rate alone.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.migrating import upgrade_database  # noqa: E402
from app.models import OgGeneration  # noqa: E402
from app.redis_client import get_redis  # noqa: E402
from app.tracking import queue, record  # noqa: E402
from app.tracking.events import make_event  # noqa: E402

FIELDS = {"seed": "bench", "aspect_ratio": "default", "quote_text": "A quote of usual length for a card.",
          "ip_address": "198.51.100.7", "user_agent": "bench/1.0"}


def make_app(database_url, redis_url, instance):
    return create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "AUTO_MIGRATE": False,
                       "SECRET_KEY": "bench", "STORAGE_ROOT": os.path.join(instance, "storage"),
                       "LOG_LEVEL": "WARNING", "TRACKING_SPOOL_PATH": os.path.join(instance, "spool.jsonl")})


def reset(app):
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("TRUNCATE og_generations"))
        get_redis(app).flushdb()


def count_rows(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OgGeneration))


def wait_rows(app, expected, started, timeout=600):
    while True:
        with app.app_context():
            rows = count_rows(app)
            db.session.remove()
        if rows >= expected:
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {rows} of {expected} rows after {timeout}s")
        time.sleep(0.02)


def start_workers(count, env):
    return [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "tracking", "worker"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]


def stop_workers(workers):
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(30)


def record_latency(app, count, per_request=1):
    """Median and p99 (ms) per request of its record() calls and the hand-over when it ends."""
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        with app.test_request_context("/bench"):
            for _ in range(per_request):
                record("og_generation", **FIELDS)
        samples.append(time.perf_counter_ns() - started)
    empty = []
    for _ in range(min(count, 5000)):  # the request context alone, taken off
        started = time.perf_counter_ns()
        with app.test_request_context("/bench"):
            pass
        empty.append(time.perf_counter_ns() - started)
    base = statistics.median(empty)
    samples = sorted(sample - base for sample in samples)
    return statistics.median(samples) / 1e6, samples[int(len(samples) * 0.99)] / 1e6


def batched(app, count, producers):
    def produce(n):
        with app.app_context():
            for _ in range(n):
                record("og_generation", **FIELDS)

    threads = [threading.Thread(target=produce, args=(count // producers,)) for _ in range(producers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / wait_rows(app, count, started)


def drain_rate(app, count):
    """Events already queued → rows, with warm workers (the workers' own rate)."""
    client = get_redis(app)
    client.set(queue.PENDING_KEY, 1)  # hold the drain job back while filling
    events = [make_event("og_generation", dict(FIELDS)) for _ in range(count)]
    for start in range(0, count, 5000):
        queue.push(client, events[start:start + 5000], app.config["TRACKING_QUEUE"])
    started = time.perf_counter()
    queue.enqueue_drain(client, app.config["TRACKING_QUEUE"])
    return count / wait_rows(app, count, started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test_tracking")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")
    instance = tempfile.mkdtemp(prefix="imprint-bench-")
    app = make_app(database_url, redis_url, instance)
    upgrade_database(app)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "AUTO_MIGRATE": "false",
           "IMPRINT_INSTANCE_PATH": instance, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
           "TRACKING_BATCH_SIZE": str(args.batch_size)}
    app.config["TRACKING_BATCH_SIZE"] = args.batch_size

    reset(app)
    redis_median, redis_p99 = record_latency(app, 20_000)
    direct_app = make_app(database_url, redis_url, instance)
    direct_app.config["TRACKING_PUSH_LINGER"] = 0
    direct_median, direct_p99 = record_latency(direct_app, 5_000)
    sync_app = make_app(database_url, None, instance)
    sync_median, sync_p99 = record_latency(sync_app, 20_000)
    sync_app.extensions["tracking"].close()  # its writer thread writes them; reset() empties the table
    print(f"record() inside a request, Redis path: median {redis_median:.3f} ms, p99 {redis_p99:.3f} ms")
    print(f"record() inside a request, Redis path with TRACKING_PUSH_LINGER=0 (one RPUSH per event): "
          f"median {direct_median:.3f} ms, p99 {direct_p99:.3f} ms")
    print(f"record() inside a request, no Redis (the writer thread's queue): "
          f"median {sync_median:.3f} ms, p99 {sync_p99:.3f} ms")

    for count in [int(n) for n in args.workers.split(",")]:
        reset(app)
        workers = start_workers(count, env)
        time.sleep(2)
        rate = batched(app, args.events, producers=1)
        reset(app)
        drained = drain_rate(app, args.events)
        stop_workers(workers)
        print(f"batched: {rate:,.0f} events/s record()→rows, {drained:,.0f} events/s drain alone "
              f"({args.events} events, batch size {args.batch_size}, {count} worker(s), 1 producer thread)")


if __name__ == "__main__":
    main()
