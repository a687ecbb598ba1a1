"""Disk full pushes back: the spool has a cap, and when neither the database nor the spool takes
events, requests get a 503 naming the disk instead of their events being dropped silently."""

from app.tracking import flush, spool
from tests.tracking.harness import unreachable_database_url

OG = {"seed": "s1", "aspect_ratio": "default", "user_agent": "pytest"}


def test_a_full_spool_with_the_database_down_answers_503_naming_the_disk(tracked_app, app):
    down = tracked_app(DATABASE_URL=unreachable_database_url(app), TRACKING_SPOOL_MAX_BYTES=600,
                       TRACKING_REFUSE_SECONDS=60)
    client = down.test_client()
    path = down.config["TRACKING_SPOOL_PATH"]
    answers = []
    for _ in range(6):
        response = client.post("/_test/record/og_generation", json=OG)
        answers.append(response.status_code)
        response.close()
        flush(app=down)
    assert answers[0] == 200  # the first events fit under the cap
    assert 503 in answers, answers
    refused = client.post("/_test/record/og_generation", json=OG)
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert "disk is full" in refused.get_json()["message"] and path in refused.get_json()["message"]
    assert spool.pending_bytes(path) <= 600  # the cap holds
    assert "disk is full" not in client.get("/healthz").get_data(as_text=True)  # the operator still sees why


def test_the_refusal_ends_once_the_spool_takes_events_again(tracked_app, app):
    down = tracked_app(DATABASE_URL=unreachable_database_url(app), TRACKING_SPOOL_MAX_BYTES=1,
                       TRACKING_REFUSE_SECONDS=60)
    client = down.test_client()
    client.post("/_test/record/og_generation", json=OG).close()
    flush(app=down)
    assert client.post("/_test/record/og_generation", json=OG).status_code == 503
    tracker = down.extensions["tracking"]
    tracker.spool.max_bytes = None  # room again (an operator freed the disk)
    tracker.spool.send([{"id": "00000000-0000-7000-8000-000000000000", "kind": "og_generation", "fields": OG}])
    assert client.post("/_test/record/og_generation", json=OG).status_code == 200
