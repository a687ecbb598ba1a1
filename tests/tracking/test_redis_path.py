"""With Redis: events queue in Redis and real RQ workers write them in batches, exactly once."""

import signal
import subprocess
import threading
import time
import zlib

import pytest
import redis
from sqlalchemy import select

from app.extensions import db
from app.models import OgGeneration, Prompt, PromptUsage
from app.tracking import flush, queue, record
from app.tracking.events import make_event
from app.tracking.worker import run_worker
from tests.tracking.harness import count, free_port, run_burst_worker, start_worker, stop

OG = {"seed": "s1", "aspect_ratio": "default", "user_agent": "pytest"}


def drain_here(app):
    """An RQ SimpleWorker in this process (main thread), in burst mode."""
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        with app.app_context():
            run_worker(app, burst=True)
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])


def test_requests_queue_events_and_a_worker_process_writes_each_once(tracked_app, redis_url):
    app = tracked_app(REDIS_URL=redis_url)
    client = app.test_client()
    ids = set()
    for _ in range(20):
        response = client.post("/_test/record/og_generation?count=3", json=OG)
        assert response.status_code == 200
        response.close()
        ids.update(response.get_json()["ids"])
    assert flush(timeout=0.2, app=app) is False  # queued in Redis; no worker yet
    with app.app_context():
        assert queue.depth(app) == (60, 0)
    assert count(app, OgGeneration) == 0
    run_burst_worker(app)
    assert flush(timeout=5, app=app) is True
    with app.app_context():
        assert {str(i) for i in db.session.scalars(select(OgGeneration.id))} == ids
    run_burst_worker(app)  # nothing left to do, nothing written twice
    assert count(app, OgGeneration) == 60


def test_rq_jobs_carry_json_not_pickles(tracked_app, redis_url):
    app = tracked_app(REDIS_URL=redis_url)
    with app.app_context():
        record("og_generation", **OG)
        flush(timeout=0, app=app)
        client = redis.Redis.from_url(redis_url)
        (job_id,) = client.lrange(f"rq:queue:{app.config['TRACKING_QUEUE']}", 0, -1)
        data = client.hget(f"rq:job:{job_id.decode()}", "data")
    assert zlib.decompress(data).startswith(b'["app.tracking.queue.drain_events"')


def test_10000_events_from_8_threads_through_redis_give_exact_rows_and_counters(tracked_app, redis_url):
    app = tracked_app(REDIS_URL=redis_url, TRACKING_BATCH_SIZE=500)
    with app.app_context():
        db.session.add_all([Prompt(id=f"p{n}", name=f"P{n}", template="{scene}") for n in range(3)])
        db.session.commit()

    def produce(thread):
        with app.app_context():
            for n in range(1250):
                record("prompt_usage", prompt_id=f"p{(thread + n) % 3}", success=n % 4 != 0)

    threads = [threading.Thread(target=produce, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flush(timeout=0, app=app)  # what the threads left in this process goes to Redis now
    drain_here(app)
    assert flush(timeout=10, app=app) is True
    assert count(app, PromptUsage) == 10_000
    with app.app_context():
        counters = db.session.execute(select(Prompt.id, Prompt.usage_count, Prompt.success_count)).all()
    assert sum(used for _id, used, _ok in counters) == 10_000
    for prompt_id, used, succeeded in counters:
        assert used == count(app, PromptUsage, prompt_id=prompt_id)
        assert succeeded == count(app, PromptUsage, prompt_id=prompt_id, success=True)


def test_redis_unreachable_requests_succeed_and_the_writer_thread_writes_the_events(tracked_app):
    app = tracked_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/1")
    client = app.test_client()
    for _ in range(5):
        response = client.post("/_test/record/og_generation", json=OG)
        assert response.status_code == 200
        response.close()
    assert flush(timeout=0.5, app=app) is False  # Redis cannot say the queue is empty
    assert count(app, OgGeneration) == 5


def test_a_redis_that_stops_hands_over_to_the_fallback(tracked_app, tmp_path):
    port = free_port()
    try:
        server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                   "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    except FileNotFoundError:
        pytest.skip("redis-server is not installed")
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url)
        app = tracked_app(REDIS_URL=url)
        with app.app_context():
            record("og_generation", **OG)
        assert flush(timeout=0.2, app=app) is False
        drain_here(app)
        assert count(app, OgGeneration) == 1
    finally:
        stop(server)  # our private Redis, never the machine's
    client = app.test_client()
    for _ in range(3):
        client.post("/_test/record/og_generation", json=OG).close()
    flush(timeout=0.2, app=app)
    assert count(app, OgGeneration) == 4


def _wait_for_redis(url):
    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("private redis-server did not start")


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(tracked_app, redis_url):
    app = tracked_app(REDIS_URL=redis_url, TRACKING_BATCH_SIZE=200, TRACKING_CLAIM_TIMEOUT=1)
    with app.app_context():
        db.session.add(Prompt(id="p", name="P", template="{scene}"))
        db.session.commit()
        for n in range(500):
            record("prompt_usage", prompt_id="p", success=n % 2 == 0)
        flush(timeout=0, app=app)
    with _table_locked(app, "prompt_usage"):  # the worker's first batch waits on this lock
        worker = start_worker(app, SQLITE_BUSY_TIMEOUT=120)
        try:
            _wait_until(lambda: queue.depth(app)[1] == 1, worker)  # one batch claimed, in flight
            assert queue.depth(app)[0] == 300
        finally:
            stop(worker, signal.SIGKILL)
    assert count(app, PromptUsage) == 0
    time.sleep(1.5)  # the dead worker's claim expires
    run_burst_worker(app)
    assert flush(timeout=5, app=app) is True
    assert count(app, PromptUsage) == 500
    with app.app_context():
        assert db.session.get(Prompt, "p").usage_count == 500
        assert db.session.get(Prompt, "p").success_count == 250


def test_a_batch_written_but_not_released_is_written_again_without_duplicates(tracked_app, redis_url):
    # The worker died after its commit and before it released the claim.
    app = tracked_app(REDIS_URL=redis_url)
    client = redis.Redis.from_url(redis_url)
    with app.app_context():
        db.session.add(Prompt(id="p", name="P", template="{scene}"))
        db.session.commit()
        events = [make_event("prompt_usage", {"prompt_id": "p", "success": True}) for _ in range(10)]
        queue.push(client, events, app.config["TRACKING_QUEUE"])
        _claim, raw = queue.claim_batch(client, 100, lease=0)
        assert app.extensions["tracking"].write(queue.decode(raw)) is True
        assert queue.recover_claims(client) == 10
        assert queue.drain(app, client) == (10, True)
        assert queue.depth(app) == (0, 0)
        assert db.session.get(Prompt, "p").usage_count == 10
    assert count(app, PromptUsage) == 10


def _wait_until(condition, worker, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, worker.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "the worker never claimed a batch"
        time.sleep(0.05)


class _table_locked:
    """Hold a lock that makes INSERTs into ``table`` wait (PostgreSQL: SHARE; SQLite: the write lock)."""

    def __init__(self, app, table):
        self.app, self.table = app, table

    def __enter__(self):
        with self.app.app_context():
            self.connection = db.engine.connect()
        if self.connection.dialect.name == "postgresql":
            self.connection.exec_driver_sql(f"LOCK TABLE {self.table} IN SHARE MODE")
        else:
            self.connection.exec_driver_sql(f"SELECT count(*) FROM {self.table}")  # BEGIN IMMEDIATE
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()
