"""Without Redis: the process's writer thread writes events in batches once their request (or transaction) ends."""

import json
import os
import subprocess
import sys
import threading
import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import GenerationLog, OgGeneration, Prompt, PromptUsage
from app.tracking import flush, record
from app.tracking.spool import rejected_path
from tests.support import serve_in_thread
from tests.tracking.conftest import CLOSED_RESPONSES
from tests.tracking.harness import ROOT, count

OG = {"seed": "s1", "aspect_ratio": "default", "ip_address": "203.0.113.9", "user_agent": "pytest"}


def test_an_event_is_handed_over_when_its_request_ends_and_written_once(tracked_app):
    app = tracked_app(TRACKING_WRITE_LINGER=30)  # the writer waits: only flush() writes
    client = app.test_client()
    response = client.post("/_test/record/og_generation", json=OG)
    assert response.status_code == 200
    event_id = response.get_json()["ids"][0]
    assert count(app, OgGeneration) == 0  # with the writer thread, not in the request
    assert flush(app=app) is True
    assert count(app, OgGeneration, id=uuid.UUID(event_id)) == 1
    assert flush(app=app) is True
    assert count(app, OgGeneration) == 1


def test_the_writer_thread_writes_by_itself_after_its_linger(tracked_app):
    import time

    app = tracked_app(TRACKING_WRITE_LINGER=0.05)
    client = app.test_client()
    ids = [client.post("/_test/record/og_generation?count=3", json=OG).get_json()["ids"] for _ in range(2)]
    deadline = time.monotonic() + 30
    while count(app, OgGeneration) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    with app.app_context():
        assert {str(i) for i in db.session.scalars(select(OgGeneration.id))} == {i for batch in ids for i in batch}


def test_flush_writes_what_waits(tracked_app):
    app = tracked_app()
    client = app.test_client()
    for _ in range(3):
        client.post("/_test/record/og_generation?count=2", json=OG)
    assert flush(app=app) is True
    assert count(app, OgGeneration) == 6


def test_outside_a_request_the_event_goes_to_the_writer_at_once(tracked_app):
    app = tracked_app()
    with app.app_context():
        event_id = record("og_generation", **OG)
        assert flush(app=app) is True  # not held for the end of the context
        assert count(app, OgGeneration, id=event_id) == 1


def test_record_takes_its_app_explicitly_or_from_the_context_and_never_guesses(tracked_app):
    import pytest

    first, second = tracked_app(), tracked_app()
    event_id = record("og_generation", app=second, **OG)  # no context at all
    with first.app_context():
        other_id = record("og_generation", app=second, **OG)  # another app's context
    assert flush(app=second) is True and flush(app=first) is True
    assert count(second, OgGeneration, id=event_id) == 1 and count(second, OgGeneration, id=other_id) == 1
    assert count(second, OgGeneration) == 2
    assert record("og_generation", **OG) is not None  # no app: never raises, the event is logged
    with pytest.raises(RuntimeError):
        flush()  # nothing to guess from


def test_a_caller_inside_a_transaction_gets_its_event_at_the_end_of_the_context(tracked_app):
    # Its rows may not be committed yet (and on SQLite the transaction holds the write lock).
    app = tracked_app()
    with app.app_context():
        db.session.execute(select(Prompt)).all()  # a transaction is open now
        event_id = record("og_generation", **OG)
        assert flush(app=app) is True  # the held event is not the writer's yet
        assert db.session.get(OgGeneration, event_id) is None  # not yet, and nobody waited
        assert db.session().in_transaction()  # and record() or flush() did not end the caller's transaction
    assert flush(app=app) is True
    assert count(app, OgGeneration, id=event_id) == 1


def test_a_malformed_event_never_raises(tracked_app):
    app = tracked_app()
    with app.app_context():
        assert record("no_such_kind", seed="x") is None
        assert record("og_generation", nonsense=1) is None
    response = app.test_client().post("/_test/record/og_generation", json={"nonsense": 1})
    assert response.status_code == 200 and response.get_json() == {"ids": [None]}


def test_a_row_the_database_rejects_is_kept_aside_and_the_batch_still_lands(tracked_app):
    app = tracked_app()
    client = app.test_client()
    client.post("/_test/record/og_generation?count=3", json=OG)
    bad = client.post("/_test/record/og_generation", json={**OG, "ip_address": "not-an-ip"})
    client.post("/_test/record/generation_log", json={"style": "anime", "success": True})
    assert flush(app=app) is True
    assert count(app, OgGeneration) == 3 and count(app, GenerationLog) == 1
    with open(rejected_path(app)) as fh:
        rejected = [json.loads(line) for line in fh]
    assert [event["id"] for event in rejected] == bad.get_json()["ids"]
    assert rejected[0]["fields"]["ip_address"] == "not-an-ip" and rejected[0]["rejected"]


def test_10000_events_from_8_threads_give_exact_rows_and_counters(tracked_app):
    app = tracked_app()
    with app.app_context():
        db.session.add_all([Prompt(id=f"p{n}", name=f"P{n}", template="{scene}") for n in range(3)])
        db.session.commit()
    errors = []

    def serve(thread):
        client = app.test_client()
        for n in range(125):  # 125 requests × 10 events × 8 threads
            usage = {"prompt_id": f"p{(thread + n) % 3}", "success": n % 4 != 0}
            response = client.post("/_test/record/prompt_usage?count=10", json=usage)
            if response.status_code != 200:
                errors.append(response.status_code)
            response.close()

    threads = [threading.Thread(target=serve, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert flush(app=app) is True
    assert errors == []
    assert not os.path.exists(app.config["TRACKING_SPOOL_PATH"])  # nothing refused ("locked")
    assert count(app, PromptUsage) == 10_000
    with app.app_context():
        counters = db.session.execute(select(Prompt.id, Prompt.usage_count, Prompt.success_count)).all()
    assert sum(used for _id, used, _ok in counters) == 10_000
    for prompt_id, used, succeeded in counters:
        assert used == count(app, PromptUsage, prompt_id=prompt_id)
        assert succeeded == count(app, PromptUsage, prompt_id=prompt_id, success=True)


WRITER = """
import sys
from app import create_app
from app.tracking import record
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "x", "AUTO_MIGRATE": False,
                  "TRACKING_SPOOL_PATH": sys.argv[3], "TRACKING_WRITE_LINGER": 0})
with app.app_context():
    for n in range(int(sys.argv[2])):
        record("og_generation", seed=f"process", aspect_ratio="default")
# No flush: a normal exit passes on what the writer thread still holds.
"""


def test_sqlite_takes_several_writer_processes_without_database_is_locked(tmp_path):
    from app import create_app
    from app.migrating import upgrade_database

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "STORAGE_ROOT": str(tmp_path)})
    upgrade_database(app)
    spool = str(tmp_path / "spool.jsonl")
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, url, "200", spool], cwd=ROOT,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [process.communicate(timeout=180)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    assert not any("locked" in output for output in outputs)
    assert not os.path.exists(spool)
    assert count(app, OgGeneration) == 800
    with app.app_context():
        db.engine.dispose()


def test_behind_a_real_wsgi_server_the_write_follows_each_response(tracked_app):
    import time
    import urllib.request

    from werkzeug.serving import make_server

    app = tracked_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serve_in_thread(server)
    try:
        for _ in range(5):
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}/_test/record/og_generation",
                                             data=json.dumps(OG).encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                assert response.status == 200
                response.read()  # as a client does; a client that resets the connection is the next test
        deadline = time.monotonic() + 30
        while count(app, OgGeneration) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)  # written by the writer thread, no flush()
        assert count(app, OgGeneration) == 5
        assert flush(app=app) is True
    finally:
        server.shutdown()


def test_a_client_that_resets_the_connection_loses_no_event(tracked_app):
    """werkzeug's server skips the response's close() when the client resets the connection
    while the server drains the request body: no close hook runs, and the event is
    written anyway, with no other request and no flush() to carry it."""
    import socket
    import struct
    import time

    from werkzeug.serving import make_server

    app = tracked_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serve_in_thread(server)
    try:
        body = json.dumps(OG).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            # More bytes than announced: after the response the server waits to drain them.
            sock.sendall(b"POST /_test/record/og_generation HTTP/1.1\r\nHost: test\r\n"
                         b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                         + body + b"bytes the request did not announce")
            response = b""
            while b"\r\n\r\n" not in response:
                response += sock.recv(65536)
            head, _, received = response.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")))
            while len(received) < length:
                received += sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
        event_id = uuid.UUID(json.loads(received)["ids"][0])
        deadline = time.monotonic() + 30
        while count(app, OgGeneration) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert event_id not in CLOSED_RESPONSES, "the response was closed: this test reproduces nothing"
        assert count(app, OgGeneration, id=event_id) == 1
        assert count(app, OgGeneration) == 1
        assert flush(app=app) is True
    finally:
        server.shutdown()
