"""GET /history/images and /history/logs: every filter, visibility, both kinds of paging, bad input."""

import uuid

import pytest

from app.extensions import db
from app.models import Dataset
from tests.factories import at, make_image, make_log, make_user
from tests.support import bearer, make_api_key


def ids(response):
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.fixture
def ledger(app, user_key, admin_key):
    """Images of alice and bob, each filter matching a known subset."""
    alice, _ = user_key
    with app.app_context():
        bob = make_user("bob")
        dataset = Dataset(name="acme")
        db.session.add(dataset)
        db.session.commit()
        rows = {
            "fox": make_image(alice, prompt="A red fox, 100% wild", tool_name="generateUserImage",
                              model="gpt-image-1", provider="openai", tags=["portrait", "animal"],
                              meta={"filename": "fox.png", "scene": "snow"}, bytes=1000,
                              created_at=at(days=-1)),
            "failed": make_image(alice, prompt="broken_thing", status="failed", error="timeout",
                                 tool_name="generateComic", provider="gemini", model="gemini-2",
                                 bytes=None, created_at=at(days=-2)),
            "owl": make_image(alice, prompt="an owl at night", tags=["animal"], dataset_id=dataset.id,
                              provider="procedural", model="procedural-1", bytes=3000,
                              meta={"scene": "night"}, created_at=at(days=-3)),
            "bob": make_image(bob.id, prompt="bob's red car", tags=["portrait"], bytes=2000,
                              provider="openai", created_at=at(days=-4)),
        }
        return {name: str(row.id) for name, row in rows.items()} | {
            "dataset": str(dataset.id), "bob_id": str(bob.id), "alice_id": str(alice)}


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["fox", "failed", "owl", "bob"]),
    ("tool=generateComic", ["failed"]),
    ("status=success", ["fox", "owl", "bob"]),
    ("status=failed", ["failed"]),
    ("tag=portrait", ["fox", "bob"]),
    ("tag=animal", ["fox", "owl"]),
    ("model=gpt-image-1", ["fox"]),
    ("provider=openai", ["fox", "bob"]),
    ("meta_key=scene&meta_value=night", ["owl"]),
    ("meta_key=filename&meta_value=fox.png", ["fox"]),
    ("q=RED", ["fox", "bob"]),
    ("q=100%25", ["fox"]),  # a literal %, not a wildcard
    ("q=o_l", []),  # a literal _, not a wildcard ("owl" does not match)
    ("q=broken_", ["failed"]),
    ("from=2025-06-12T00:00:00Z&to=2025-06-13T23:00:00Z", ["failed", "owl"]),
    ("from=2025-06-13T12:00:00", ["fox", "failed"]),  # no zone = UTC
    ("tag=portrait&provider=openai&status=success", ["fox", "bob"]),
])
def test_each_filter_selects_its_rows_for_an_admin(client, ledger, admin_key, query, expected):
    response = client.get(f"/history/images?{query}", headers=bearer(admin_key[1]))
    assert ids(response) == [ledger[name] for name in expected]


def test_dataset_and_user_filters(client, ledger, admin_key):
    admin = bearer(admin_key[1])
    assert ids(client.get(f"/history/images?dataset={ledger['dataset']}", headers=admin)) == [ledger["owl"]]
    assert ids(client.get(f"/history/images?user={ledger['bob_id']}", headers=admin)) == [ledger["bob"]]


def test_users_see_only_their_own_history(client, ledger, user_key):
    mine = ids(client.get("/history/images", headers=bearer(user_key[1])))
    assert mine == [ledger["fox"], ledger["failed"], ledger["owl"]]
    other = client.get(f"/history/images?user={ledger['bob_id']}", headers=bearer(user_key[1]))
    assert other.status_code == 403 and "user" in other.json["errors"]["query"]
    assert client.get("/history/images").status_code == 401


def test_items_carry_the_ledger_fields(client, ledger, user_key):
    item = client.get("/history/images?limit=1", headers=bearer(user_key[1])).json["items"][0]
    assert item["metadata"] == {"filename": "fox.png", "scene": "snow"}
    assert item["tags"] == ["portrait", "animal"] and item["bytes"] == 1000
    assert item["created_at"].startswith("2025-06-14T12:00:00")


def test_offset_and_cursor_pages_agree(client, ledger, admin_key):
    admin = bearer(admin_key[1])
    by_offset = [ids(client.get(f"/history/images?limit=1&offset={n}", headers=admin)) for n in range(4)]
    by_cursor, cursor = [], None
    while True:
        page = client.get("/history/images?limit=1" + (f"&cursor={cursor}" if cursor else ""), headers=admin)
        by_cursor.append(ids(page))
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    assert by_offset == by_cursor == [[ledger[name]] for name in ("fox", "failed", "owl", "bob")]


def test_cursor_returns_every_row_once_while_rows_are_inserted(app, client, user_key):
    alice, key = user_key
    with app.app_context():
        same_time = at(hours=-5)
        original = {str(make_image(alice, created_at=same_time if n % 3 == 0 else at(minutes=-n)).id)
                    for n in range(37)}
    seen, cursor = [], None
    for round_number in range(100):
        url = "/history/images?limit=5" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(key))
        seen += ids(page)
        with app.app_context():  # new rows keep arriving between pages
            make_image(alice, created_at=at(minutes=round_number + 1))
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    old = [row for row in seen if row in original]
    assert len(old) == len(set(old)) == len(original)


def test_log_filters(app, client, admin_key, user_key):
    alice, key = user_key
    with app.app_context():
        bob = make_user("bob")
        ok = make_log(alice, style="anime", difficulty=2, tool_name="generateUserImage", provider="openai",
                      model="gpt-image-1", job_id="job-1", request_id="checkout-7", trace_id="ab" * 16,
                      created_at=at(hours=-1))
        failed = make_log(alice, style="comic", difficulty=3, success=False, error_message="HTTP 429: rate limit",
                          provider="gemini", created_at=at(hours=-2))
        other = make_log(bob.id, style="anime", difficulty=2, created_at=at(hours=-3))
        ok, failed, other, bob = (str(row.id) for row in (ok, failed, other, bob))
    admin = bearer(admin_key[1])
    cases = {
        "style=anime": [ok, other], "difficulty=3": [failed], "status=failed": [failed],
        "status=success": [ok, other], "provider=openai": [ok], "model=gpt-image-1": [ok],
        "tool=generateUserImage": [ok], "job_id=job-1": [ok], "q=rate limit": [failed],
        "request_id=checkout-7": [ok], f"trace_id={'ab' * 16}": [ok],
        f"user={bob}": [other], "from=2025-06-15T09:30:00Z&to=2025-06-15T10:30:00Z": [failed],
    }
    for query, expected in cases.items():
        assert ids(client.get(f"/history/logs?{query}", headers=admin)) == expected, query
    assert ids(client.get("/history/logs", headers=bearer(key))) == [ok, failed]
    first = client.get("/history/logs?limit=1", headers=admin).json
    rest = client.get(f"/history/logs?limit=5&cursor={first['next_cursor']}", headers=admin)
    assert ids(rest) == [failed, other]


@pytest.mark.parametrize(("path", "query", "field"), [
    ("images", "status=bogus", "status"),
    ("images", "from=2025-06-10T00:00:00Z&to=2025-06-01T00:00:00Z", "to"),
    ("images", "limit=201", "limit"),
    ("images", "limit=0", "limit"),
    ("images", "offset=-1", "offset"),
    ("images", "cursor=not-a-cursor!!", "cursor"),
    ("images", "cursor=WzEsMl0", "cursor"),  # base64 of [1,2]
    ("images", "colour=red", "colour"),
    ("images", "user=not-a-uuid", "user"),
    ("images", "from=yesterday", "from"),
    ("images", "meta_key=scene", "meta_value"),
    ("images/stats", "status=maybe", "status"),
    ("logs", "status=bogus", "status"),
    ("logs", "difficulty=hard", "difficulty"),
    ("logs", "limit=1000", "limit"),
    ("logs", "cursor=%%%", "cursor"),
    ("logs", "trace_id=XYZ", "trace_id"),
    ("logs", f"request_id={'r' * 129}", "request_id"),
])
def test_bad_input_is_a_400_naming_the_field(client, admin_key, path, query, field):
    response = client.get(f"/history/{path}?{query}", headers=bearer(admin_key[1]))
    assert response.status_code == 400, response.json
    assert field in response.json["errors"]["query"], response.json


def test_an_offset_with_a_cursor_skips_rows_after_it(client, ledger, admin_key):
    admin = bearer(admin_key[1])
    first = client.get("/history/images?limit=1", headers=admin).json
    page = client.get(f"/history/images?limit=1&offset=1&cursor={first['next_cursor']}", headers=admin)
    assert page.status_code == 200 and ids(page) == [ledger["owl"]]  # fox, then failed skipped
    after = client.get(f"/history/images?limit=1&cursor={page.json['next_cursor']}", headers=admin)
    assert ids(after) == [ledger["bob"]]


def test_another_users_key_cannot_read_alice(app, client, ledger):
    with app.app_context():
        _bob, bob_key = make_api_key(app, "carol")
    assert ids(client.get("/history/images", headers=bearer(bob_key))) == []
    assert client.get(f"/history/images?user={uuid.uuid4()}", headers=bearer(bob_key)).status_code == 403
