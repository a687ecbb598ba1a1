"""GET /og/stats, /og/generations and /og/generations/<id>: admin only, values computed by hand."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.models import OgGeneration
from tests.support import bearer

# (seed, aspect_ratio, seconds before now; None = some day before today): 7 rows, 5 of
# them today, seeds a b c d, so total 7, today 5, uniqueSeeds 4,
# default 3 > square 2 > story 1 = youtube 1 (equal counts by name).
ROWS = [
    ("a", "default", 6),
    ("a", "default", 5),
    ("b", "default", None),
    ("b", "square", 4),
    ("c", "square", None),
    ("d", "youtube", 3),
    ("a", "story", 2),
]


@pytest.fixture
def ledger(db_session):
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)

    def when(index, seconds):
        if seconds is None:
            return midnight - timedelta(days=1, minutes=index)
        # today, in ROWS order even a few seconds after midnight
        return max(now - timedelta(seconds=seconds), midnight + timedelta(microseconds=index))

    rows = [OgGeneration(id=uuid.uuid4(), seed=seed, aspect_ratio=aspect, created_at=when(i, ago),
                         updated_at=when(i, ago), ip_address="198.51.100.7", user_agent="test",
                         shape_count=12, format="png")
            for i, (seed, aspect, ago) in enumerate(ROWS)]
    db_session.add_all(rows)
    db_session.commit()
    return [row.id for row in rows]


def test_stats(client, admin_key, ledger):
    response = client.get("/og/stats", headers=bearer(admin_key[1]))
    assert response.status_code == 200
    assert response.get_json() == {
        "total": 7,
        "today": 5,
        "uniqueSeeds": 4,
        "topAspectRatios": [
            {"aspect_ratio": "default", "count": 3},
            {"aspect_ratio": "square", "count": 2},
            {"aspect_ratio": "story", "count": 1},
            {"aspect_ratio": "youtube", "count": 1},
        ],
    }


def test_stats_of_an_empty_ledger(client, admin_key):
    body = client.get("/og/stats", headers=bearer(admin_key[1])).get_json()
    assert body == {"total": 0, "today": 0, "uniqueSeeds": 0, "topAspectRatios": []}


def test_generations_by_seed_newest_first_and_paginated(client, admin_key, ledger):
    headers = bearer(admin_key[1])
    page = client.get("/og/generations?seed=a", headers=headers).get_json()
    assert page["total"] == 3 and (page["limit"], page["offset"]) == (50, 0)
    assert [item["id"] for item in page["items"]] == [str(ledger[i]) for i in (6, 1, 0)]
    assert page["items"][0]["aspect_ratio"] == "story" and page["items"][0]["ip_address"] == "198.51.100.7"
    second = client.get("/og/generations?seed=a&limit=2&offset=2", headers=headers).get_json()
    assert [item["id"] for item in second["items"]] == [str(ledger[0])] and second["total"] == 3
    everything = client.get("/og/generations", headers=headers).get_json()
    assert everything["total"] == 7 and everything["items"][-1]["seed"] == "c"
    assert client.get("/og/generations?seed=nobody", headers=headers).get_json()["items"] == []


@pytest.mark.parametrize("query, field", [("limit=201", "limit"), ("limit=0", "limit"),
                                          ("offset=-1", "offset"), ("limit=many", "limit")])
def test_page_bounds_are_400(client, admin_key, query, field):
    response = client.get(f"/og/generations?{query}", headers=bearer(admin_key[1]))
    assert response.status_code == 400 and field in response.get_json()["errors"]["query"]


def test_one_generation_and_unknown_ids(client, admin_key, ledger):
    headers = bearer(admin_key[1])
    one = client.get(f"/og/generations/{ledger[3]}", headers=headers)
    assert one.status_code == 200
    assert (one.get_json()["seed"], one.get_json()["aspect_ratio"]) == ("b", "square")
    assert client.get(f"/og/generations/{uuid.uuid4()}", headers=headers).status_code == 404
    assert client.get("/og/generations/not-a-uuid", headers=headers).status_code == 404


@pytest.mark.parametrize("path", ["/og/stats", "/og/generations", "/og/generations/0b8a5a1e-6c1f-4a43-9f0e-3d2c1b0a9e8d"])
def test_stats_need_an_admin_key(client, user_key, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers=bearer("imp_wrong")).status_code == 401
    assert client.get(path, headers=bearer(user_key[1])).status_code == 403


def test_cards_served_over_http_show_up_in_the_stats(client, admin_key):
    for seed, aspect in (("x", "default"), ("x", "square"), ("y", "square")):
        assert client.get(f"/og/{seed}.png?aspect={aspect}").status_code == 200
    from tests.og.support import rows
    rows(client.application)  # flush pending events, if tracking defers them
    body = client.get("/og/stats", headers=bearer(admin_key[1])).get_json()
    assert (body["total"], body["today"], body["uniqueSeeds"]) == (3, 3, 2)
    assert body["topAspectRatios"][0] == {"aspect_ratio": "square", "count": 2}
