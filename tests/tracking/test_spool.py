"""The spool file on its own: what an append writes, what a replay sends and keeps, what is counted."""

import datetime
import errno
import fcntl
import json
import logging
import os
import threading
import time
import types

import pytest

from app.tracking import metrics, spool


def _event(number, **fields):
    return {"id": f"00000000-0000-0000-0000-{number:012d}", "kind": "og_generation", "fields": fields}


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "deep" / "dir" / "tracking-spool.jsonl")


def _lines(name):
    with open(name, "rb") as fh:
        return fh.read().split(b"\n")


def test_an_append_writes_one_compact_json_line_per_event_creating_the_directory(path):
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    spool.append(path, [_event(1, at=when), _event(2, n=1)])
    assert _lines(path) == [
        b'{"id":"00000000-0000-0000-0000-000000000001","kind":"og_generation","fields":{"at":"2026-01-02 03:04:05"}}',
        b'{"id":"00000000-0000-0000-0000-000000000002","kind":"og_generation","fields":{"n":1}}', b""]
    assert os.stat(path).st_mode & 0o777 == 0o600  # events name users: readable by the service only
    spool.append(path, [_event(3)])
    assert [event["id"][-1] for event in spool.read_events(path)] == ["1", "2", "3"]


def test_the_cap_refuses_an_append_that_would_pass_it_and_takes_one_that_reaches_it(path):
    one = len(json.dumps(_event(1), separators=(",", ":"))) + 1
    spool.append(path, [_event(1)], max_bytes=2 * one)
    with pytest.raises(spool.SpoolFull) as full:
        spool.append(path, [_event(2), _event(3)], max_bytes=2 * one)
    assert full.value.errno == errno.ENOSPC and full.value.filename == path
    assert full.value.strerror == f"the spool holds its cap of {2 * one} bytes"
    assert spool.pending_events(path) == 1  # nothing of the refused append was written
    spool.append(path, [_event(2)], max_bytes=2 * one)  # exactly the cap
    assert spool.pending_events(path) == 2
    spool.append(path, [_event(3)], max_bytes=0)  # no cap
    assert spool.pending_events(path) == 3


def test_a_torn_last_line_stays_alone_and_is_skipped_with_a_warning(path, caplog):
    spool.append(path, [_event(1)])
    torn = b'{"id": "torn", "fields": "' + b"x" * 100  # a crash mid-append
    with open(path, "ab") as fh:
        fh.write(torn)
    spool.append(path, [_event(2)])
    before = metrics.TORN_LINES._value.get()
    with caplog.at_level(logging.WARNING, logger="app.tracking.spool"):
        assert [event["id"][-1] for event in spool.read_events(path)] == ["1", "2"]
    assert metrics.TORN_LINES._value.get() == before + 1
    assert [record.getMessage() for record in caplog.records] == [
        f"tracking spool: skipped unreadable line {path}:2 ({len(torn) + 1} bytes): {torn[:80]!r}"]


@pytest.mark.parametrize("line", [b"[1, 2]", b'{"id": "x", "kind": "og_generation"}', b"not json", b"\xff\xfe"])
def test_a_line_that_is_not_an_event_is_skipped(path, line):
    spool.append(path, [_event(1)])
    with open(path, "ab") as fh:
        fh.write(line + b"\n\n   \n")  # blank lines are no events and no warnings
    spool.append(path, [_event(2)])
    before = metrics.TORN_LINES._value.get()
    assert [event["id"][-1] for event in spool.read_events(path)] == ["1", "2"]
    assert metrics.TORN_LINES._value.get() == before + 1


def test_pending_counts_the_live_spool_and_interrupted_replays_first(path):
    assert (spool.pending_files(path), spool.pending_bytes(path), spool.pending_events(path)) == ([], 0, 0)
    spool.append(path, [_event(1), _event(2)])
    interrupted = [f"{path}.20260101T000000-1-1{spool.REPLAYING_SUFFIX}", f"{path}.20260102T000000-1-1.replaying"]
    for name in reversed(interrupted):
        with open(name, "w") as fh:
            fh.write(json.dumps(_event(9)) + "\n")
    assert spool.pending_files(path) == [*interrupted, path]
    sizes = sum(os.stat(name).st_size for name in spool.pending_files(path))
    assert spool.pending_bytes(path) == sizes
    assert spool.pending_events(path) == spool.pending_events(path, chunk=3) == 4
    os.unlink(path)
    assert spool.pending_files(path) == interrupted


def test_a_replay_sends_in_batches_oldest_first_reports_progress_and_deletes_what_it_sent(path):
    with open(f"{path}.20260101T000000-1-1.replaying".replace("/deep/dir", ""), "w"):
        pass  # another spool's file is not this spool's
    os.makedirs(os.path.dirname(path))
    with open(f"{path}.20260101T000000-1-1.replaying", "w") as fh:
        fh.write(json.dumps(_event(1)) + "\n")
    spool.append(path, [_event(number) for number in range(2, 7)])
    batches, progress = [], []
    replayed = metrics.REPLAYED._value.get()
    assert spool.replay(path, batches.append, batch_size=2, on_progress=progress.append) == 6
    assert [[event["id"][-1] for event in batch] for batch in batches] == [["1"], ["2", "3"], ["4", "5"], ["6"]]
    assert progress == [1, 2, 2, 1]
    assert metrics.REPLAYED._value.get() == replayed + 6
    assert spool.pending_files(path) == [] and not os.path.exists(path)
    assert spool.replay(path, batches.append) == 0  # nothing left: nothing sent twice
    assert os.stat(path + ".lock").st_mode & 0o777 == 0o600
    spool.append(path, [_event(number) for number in range(1001)])
    batches.clear()
    assert spool.replay(path, batches.append) == 1001
    assert [len(batch) for batch in batches] == [1000, 1]  # the default batch


def test_a_replay_that_cannot_send_keeps_the_file_and_new_appends_go_to_a_fresh_one(path):
    spool.append(path, [_event(1), _event(2), _event(3)])

    def refuse(batch):
        if len(sent) == 1:
            spool.append(path, [_event(4)])  # an append while the replay runs
            raise OSError("database down")
        sent.append(batch)

    sent = []
    with pytest.raises(OSError, match="database down"):
        spool.replay(path, refuse, batch_size=2)
    kept = spool.pending_files(path)
    assert len(kept) == 2 and kept[0].endswith(spool.REPLAYING_SUFFIX) and kept[1] == path
    assert [event["id"][-1] for event in spool.read_events(kept[0])] == ["1", "2", "3"]
    assert [event["id"][-1] for event in spool.read_events(path)] == ["4"]
    again = []
    assert spool.replay(path, again.append) == 4  # the kept file is sent again, whole, then the new one
    assert [event["id"][-1] for batch in again for event in batch] == ["1", "2", "3", "4"]


def test_an_empty_live_spool_is_not_renamed(path):
    os.makedirs(os.path.dirname(path))
    open(path, "w").close()
    assert spool.replay(path, lambda batch: None) == 0
    assert os.path.exists(path) and spool.pending_files(path) == [path]


def test_a_second_replay_is_refused_while_one_holds_the_spool_unless_it_waits(path):
    spool.append(path, [_event(1)])
    lock = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(spool.SpoolBusy) as busy:
            spool.replay(path, lambda batch: None)
        assert busy.value.args == (path,)
        release = threading.Timer(0.3, fcntl.flock, (lock, fcntl.LOCK_UN))  # the other replay ends a moment later
        release.start()
        assert spool.replay(path, lambda batch: None, wait=True) == 1  # waited for it
        release.join()
    finally:
        os.close(lock)


def test_the_spool_lives_where_configured_or_in_the_instance_folder(tmp_path):
    app = types.SimpleNamespace(config={}, instance_path=str(tmp_path / "instance"))
    assert spool.spool_path(app) == str(tmp_path / "instance" / "tracking-spool.jsonl")
    assert spool.rejected_path(app) == str(tmp_path / "instance" / "tracking-rejected.jsonl")
    app.config["TRACKING_SPOOL_PATH"] = str(tmp_path / "elsewhere" / "s.jsonl")
    assert spool.spool_path(app) == str(tmp_path / "elsewhere" / "s.jsonl")
    assert spool.rejected_path(app) == str(tmp_path / "elsewhere" / "tracking-rejected.jsonl")


def test_a_spool_named_without_a_directory_lives_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spool.append("spool.jsonl", [_event(1)])
    assert spool.replay("spool.jsonl", lambda batch: None) == 1
    assert sorted(os.listdir(tmp_path)) == ["spool.jsonl.lock"]


def test_a_replay_of_a_spool_never_written_creates_its_directory_and_sends_nothing(path):
    assert spool.replay(path, lambda batch: None) == 0
    assert os.path.isdir(os.path.dirname(path))


def test_the_first_append_makes_the_new_file_durable_in_its_directory(path, monkeypatch):
    synced = []
    monkeypatch.setattr(spool, "_fsync_dir", synced.append)
    spool.append(path, [_event(1)])
    spool.append(path, [_event(2)])  # the file exists already: its directory entry is on disk
    assert synced == [os.path.dirname(path)]
    monkeypatch.chdir(os.path.dirname(path))
    spool.append("other.jsonl", [_event(3)])
    assert synced[1:] == ["."]


def test_an_append_waiting_while_a_replay_renames_the_spool_writes_to_a_fresh_file(path):
    spool.append(path, [_event(1)])
    held = os.open(path, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # what a replay holds while it renames
    appending = threading.Thread(target=spool.append, args=(path, [_event(2)]))
    appending.start()
    time.sleep(0.2)  # the append is waiting for the lock
    os.rename(path, path + ".renamed")
    os.close(held)
    appending.join(5)
    assert not appending.is_alive()
    assert [event["id"][-1] for event in spool.read_events(path)] == ["2"]
    assert [event["id"][-1] for event in spool.read_events(path + ".renamed")] == ["1"]
