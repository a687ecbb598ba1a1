"""Every card request is recorded in og_generations; images are served when the ledger is down."""

import io

import pytest
from PIL import Image

from tests.og.support import rows

CLIENT = {"REMOTE_ADDR": "198.51.100.7"}


def test_a_render_records_the_seeds_columns(app, client):
    response = client.get(
        "/og?seed=tracked&aspect=x&quote=Hello%20%3Cworld%3E&author=Ada&width=800&height=400"
        "&shapes=5&format=svg&theme=ocean",
        headers={"User-Agent": "facebookexternalhit/1.1"}, environ_base=CLIENT)
    assert response.status_code == 200
    [row] = rows(app)
    assert (row.seed, row.aspect_ratio, row.quote_text, row.quote_author) == (
        "tracked", "twitter", "Hello <world>", "Ada")
    assert (row.custom_width, row.custom_height, row.shape_count) == (800, 400, 5)
    assert (row.ip_address, row.user_agent) == ("198.51.100.7", "facebookexternalhit/1.1")
    assert (row.format, row.theme) == ("svg", "ocean")
    assert row.render_time_ms is not None and row.render_time_ms >= 0
    assert row.created_at is not None and row.updated_at is not None


def test_defaults_cache_hits_304_and_head_are_each_recorded(app, client):
    first = client.get("/og/plain.png", environ_base=CLIENT)
    client.get("/og/plain.png", environ_base=CLIENT)
    client.get("/og/plain.png", headers={"If-None-Match": first.headers["ETag"]}, environ_base=CLIENT)
    client.head("/og/plain.png", environ_base=CLIENT)
    recorded = rows(app)
    assert len(recorded) == 4
    row = recorded[0]
    assert (row.aspect_ratio, row.quote_text, row.quote_author) == ("default", None, None)
    assert (row.custom_width, row.custom_height, row.shape_count, row.format) == (None, None, 12, "png")
    assert row.theme in ("dark", "light", "sunset", "ocean", "forest", "candy")  # auto, resolved
    assert sorted(r.render_time_ms is None for r in recorded) == [False, False, False, True]  # 304


def test_bad_requests_are_not_recorded(app, client):
    assert client.get("/og?seed=good", environ_base=CLIENT).status_code == 200
    for bad in ("/og?seed=bad&width=1", "/og?seed=bad&shapes=-3", "/og?seed=bad&format=gif",
                "/og?seed=" + "x" * 5000, "/og/bad.png?height=99999"):
        assert client.get(bad, environ_base=CLIENT).status_code == 400, bad
    assert [row.seed for row in rows(app)] == ["good"]  # tracking is on: the good one is there


def test_tracking_can_be_turned_off(make_app):
    app = make_app(OG_TRACKING_ENABLED=False)
    client = app.test_client()
    assert client.get("/og?seed=off").status_code == 200
    assert rows(app) == []


@pytest.mark.parametrize("trusted, headers, expected", [
    (0, {"X-Forwarded-For": "203.0.113.9"}, "198.51.100.7"),
    (0, {"X-Real-IP": "203.0.113.9"}, "198.51.100.7"),
    (1, {"X-Forwarded-For": "203.0.113.9"}, "203.0.113.9"),
    (1, {"X-Forwarded-For": "192.0.2.66, 203.0.113.9"}, "203.0.113.9"),  # the first hop is forged
    (1, {"X-Real-IP": "203.0.113.10"}, "203.0.113.10"),
    (2, {"X-Forwarded-For": "192.0.2.66, 203.0.113.9, 10.0.0.2"}, "203.0.113.9"),
])
def test_forwarded_addresses_are_believed_only_from_trusted_proxies(make_app, trusted, headers, expected):
    app = make_app(TRUSTED_PROXIES=trusted)
    response = app.test_client().get("/og?seed=proxy", headers=headers, environ_base=CLIENT)
    assert response.status_code == 200
    assert [row.ip_address for row in rows(app)] == [expected]


def test_images_are_served_while_the_database_and_redis_are_unreachable(make_app):
    app = make_app(DATABASE_URL="postgresql://postgres@127.0.0.1:9/x", DB_CONNECT_TIMEOUT=1,
                   REDIS_URL="redis://127.0.0.1:9/5", RATE_LIMITS_ENABLED=True)
    client = app.test_client()
    for _ in range(2):  # a render, then a cache hit
        response = client.get("/og?seed=outage&quote=Still%20here", environ_base=CLIENT)
        assert response.status_code == 200 and response.content_type == "image/png"
        assert Image.open(io.BytesIO(response.data)).size == (1200, 630)
    svg = client.get("/og/outage.svg")
    assert svg.status_code == 200 and svg.data.startswith(b"<svg")


ROW_FIELDS = ("seed", "aspect_ratio", "quote_text", "quote_author", "custom_width", "custom_height",
              "shape_count", "ip_address", "country", "user_agent", "format", "theme")


def test_through_redis_a_card_gives_the_same_row_with_the_time_of_its_request(make_app, redis_url):
    """Through the Redis transport the event waits in the process, goes through Redis and a drain
    job: the row must be the one the writer thread writes, stamped when the request came."""
    from datetime import UTC, datetime

    from app.redis_client import get_redis
    from app.tracking import hand_on, queue

    path = "/og?seed=both-rungs&quote=Hi&author=Ada&shapes=5&format=svg&aspect=x"
    headers = {"User-Agent": "ua/1", "X-Forwarded-For": "192.0.2.66, 203.0.113.9"}
    direct = make_app(TRUSTED_PROXIES=1)
    assert direct.test_client().get(path, headers=headers, environ_base=CLIENT).status_code == 200
    [expected] = rows(direct)

    # A long linger: the event leaves the process well after the response has gone.
    queued = make_app(TRUSTED_PROXIES=1, REDIS_URL=redis_url, TRACKING_PUSH_LINGER=30,
                      TRACKING_DRAIN_IDLE=0, TRACKING_DRAIN_POLL=0)
    before = datetime.now(UTC)
    assert queued.test_client().get(path, headers=headers, environ_base=CLIENT).status_code == 200
    answered = datetime.now(UTC)
    hand_on(queued)
    with queued.app_context():
        assert queue.drain(queued, get_redis(queued), max_seconds=10)[0] == 1
    rows_now = [row for row in rows(queued) if row.id != expected.id]
    assert len(rows_now) == 1
    [row] = rows_now
    assert [getattr(row, name) for name in ROW_FIELDS] == [getattr(expected, name) for name in ROW_FIELDS]
    assert row.ip_address == "203.0.113.9" and row.theme and row.render_time_ms is not None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    assert before <= created <= answered
