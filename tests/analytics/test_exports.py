"""Exports: CSV, JSON lines and JSON arrays of a window, admin only, streamed with bounded memory."""

import csv
import io
import json
import tracemalloc
import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import GenerationLog
from tests.factories import (
    NOW,
    at,
    make_image,
    make_log,
    make_og,
    make_prompt,
    make_usage,
    make_user,
)
from tests.support import bearer

WINDOW = "since=2025-06-15T00:00:00Z&until=2025-06-15T12:00:00Z"


@pytest.fixture
def rows(app):
    with app.app_context():
        alice = make_user("alice").id
        make_log(alice, style="anime", cost=0.04, duration_ms=120, created_at=at(hours=-2))
        make_log(alice, style="comic", success=False, error_message='bad, "quoted"\nline', created_at=at(hours=-1))
        make_log(alice, style="late", created_at=at(hours=1))  # after the window
        make_image(alice, prompt="fox", tags=["a", "b"], meta={"k": 1}, created_at=at(hours=-3))
        make_og(seed="s1", ip_address="203.0.113.7", created_at=at(hours=-4))
        make_usage(alice, make_prompt().id, created_at=at(hours=-5))


def export(client, admin_key, kind, fmt):
    response = client.get(f"/analytics/exports/{kind}?format={fmt}&{WINDOW}", headers=bearer(admin_key[1]))
    assert response.status_code == 200, response.data[:500]
    return response


def test_csv_export_of_logs(client, admin_key, rows):
    response = export(client, admin_key, "logs", "csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    records = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["style"] for r in records] == ["anime", "comic"]  # oldest first, "late" left out
    assert json.loads(records[0]["costs"]) == {"image": 0.04, "total": 0.04}
    assert records[1]["error_message"] == 'bad, "quoted"\nline' and records[1]["success"] == "False"


def test_json_lines_and_json_array(client, admin_key, rows):
    lines = export(client, admin_key, "images", "jsonl").get_data(as_text=True).splitlines()
    image = json.loads(lines[0])
    assert len(lines) == 1 and image["tags"] == ["a", "b"] and image["metadata"] == {"k": 1}
    og = json.loads(export(client, admin_key, "og-generations", "json").get_data(as_text=True))
    assert [(row["seed"], row["ip_address"]) for row in og] == [("s1", "203.0.113.7")]
    usage = json.loads(export(client, admin_key, "prompt-usage", "json").get_data(as_text=True))
    assert usage[0]["prompt_id"] == "portrait-selfie-casual"
    empty = client.get("/analytics/exports/logs?format=json&window=1m&until=2020-01-01T00:00:00Z",
                       headers=bearer(admin_key[1]))
    assert json.loads(empty.get_data(as_text=True)) == []


def test_exports_are_for_admins_and_check_their_arguments(client, admin_key, user_key):
    assert client.get("/analytics/exports/logs", headers=bearer(user_key[1])).status_code == 403
    assert client.get("/analytics/exports/users", headers=bearer(admin_key[1])).status_code == 404
    bad = client.get("/analytics/exports/logs?format=xml", headers=bearer(admin_key[1]))
    assert bad.status_code == 400 and "format" in bad.json["errors"]["query"]


@pytest.mark.slow
def test_100k_rows_stream_with_bounded_memory(app, client, admin_key):
    count = 100_000
    with app.app_context():
        table = GenerationLog.__table__
        for start in range(0, count, 10_000):
            db.session.execute(table.insert(), [
                {"id": uuid.uuid4(), "style": "anime", "difficulty": n % 5, "duration_ms": n, "success": n % 7 != 0,
                 "costs": {"image": 0.04, "total": 0.04}, "tokens": {"input": 12, "output": 0},
                 "error_message": None if n % 7 else "provider timeout after 30 s",
                 "created_at": NOW - timedelta(hours=6, seconds=n)}
                for n in range(start, start + 10_000)
            ])
            db.session.commit()
    response = client.get("/analytics/exports/logs?format=jsonl&since=2025-06-10T00:00:00Z&until=2025-06-15T12:00:00Z",
                          headers=bearer(admin_key[1]), buffered=False)
    assert response.status_code == 200
    tracemalloc.start()
    try:
        size = lines = 0
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    print(f"export of {count:,} rows: {size:,} bytes streamed, tracemalloc peak {peak:,} bytes")
    assert lines == count
    assert size > 30_000_000  # ~35 MB of JSON lines went through
    assert peak < size / 10, f"peak {peak:,} bytes for a {size:,}-byte export"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0", "-2+3",
                                  "@SUM(A1:A2)", "\tleading tab", "\rleading cr"])
def test_csv_cells_that_would_be_formulas_are_neutralised(app, client, admin_key, text):
    with app.app_context():
        make_image(make_user("mallory").id, prompt=text, created_at=at(hours=-1))
    response = export(client, admin_key, "images", "csv")
    records = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert records[0]["prompt"] == "'" + text  # shown as text, never evaluated
    as_json = json.loads(export(client, admin_key, "images", "json").get_data(as_text=True))
    assert as_json[0]["prompt"] == text  # JSON keeps the text as it was
