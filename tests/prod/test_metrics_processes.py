"""With the shipped gunicorn.conf.py and several workers, one scrape of /metrics adds up every process."""

import json
import os
from concurrent.futures import ThreadPoolExecutor

from prometheus_client.parser import text_string_to_metric_families

from tests.prod.gunicorn_server import request, sigterm_and_wait, start_gunicorn


def scrape(port):
    status, _headers, body = request(port, "GET", "/metrics")
    assert status == 200
    return {family.name: family for family in text_string_to_metric_families(body.decode())}


def card_samples(families):
    return [s for s in families["imprint_og_cards"].samples if s.name == "imprint_og_cards_total"]


def test_thirty_cards_on_two_workers_sum_to_thirty_in_one_scrape(app, tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # the shipped default, no folder set by hand
    stderr_path = str(tmp_path / "stderr")
    server = start_gunicorn(app, stderr_path, GUNICORN_ACCESSLOG="-", LOG_FORMAT="json")
    try:
        before = card_samples(scrape(server.port))
        # Every known series is there at zero before the first card, so rate() sees the first burst.
        assert {(s.labels["format"], s.labels["preset"], s.labels["outcome"]) for s in before} >= {
            ("png", "default", "rendered"), ("svg", "story", "cache_hit"), ("webp", "square", "not_modified")}
        assert sum(s.value for s in before) == 0

        def card(i):
            return request(server.port, "GET", f"/og?seed=sum-{i}&shapes=40")[0]

        sent = 0
        # Concurrent full-size cards, so that both processes take some; on a busy machine one process
        # may still take a whole wave, and then another wave goes (the sum must match whatever was sent).
        with ThreadPoolExecutor(8) as pool:
            while sent == 0 or (len(card_pids(server)) < 2 and sent < 300):
                assert list(pool.map(card, range(sent, sent + 30))) == [200] * 30
                sent += 30
        totals = [sum(s.value for s in card_samples(scrape(server.port))) for _ in range(4)]
    finally:
        assert sigterm_and_wait(server.process) == 0
    assert len(card_pids(server)) == 2, "the cards were not spread over both workers; the sum proves nothing"
    assert totals == [sent] * 4  # whichever process answers the scrape: 30 when the first wave was spread
    lines = [json.loads(line) for line in server.stderr_lines()]
    booted = [line["msg"] for line in lines if "Booting worker" in line["msg"]]
    assert len(booted) == 2


def card_pids(server):
    """The processes whose access lines show a card."""
    lines = [json.loads(line) for line in server.stderr_lines()]
    return {line["pid"] for line in lines if line.get("path", "").startswith("/og?")}


def test_the_metrics_folder_is_fresh_for_each_start_and_removed_at_exit(app, tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    temp = tmp_path / "temp"
    temp.mkdir()
    for _ in range(2):
        server = start_gunicorn(app, TMPDIR=str(temp))
        try:
            assert request(server.port, "GET", "/og?seed=fresh&shapes=2&width=200&height=100")[0] == 200
            assert sum(s.value for s in card_samples(scrape(server.port))) == 1  # not 2 on the second start
        finally:
            assert sigterm_and_wait(server.process) == 0
        assert os.listdir(temp) == []  # the folder went with the server
