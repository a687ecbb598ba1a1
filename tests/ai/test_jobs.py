"""Async generation: a queued RQ job on real Redis, run by a real worker; the job row is the record."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import GeneratedImage
from tests.support import bearer, empty_tables, image_rows, work_queued_generations


def test_async_generation_is_queued_and_finished_by_a_worker(make_app, redis_url, user_key):
    app = make_app(REDIS_URL=redis_url)
    client, headers = app.test_client(), bearer(user_key[1])
    response = client.post("/ai/generate?async=true", headers=headers,
                           json={"prompt": "queued", "style": "anime", "request_id": "job-1"})
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert response.headers["Location"] == f"/ai/jobs/{job['id']}" and job["status"] == "queued"
    assert client.get(f"/ai/jobs/{job['id']}", headers=headers).get_json()["result"] is None
    again = client.post("/ai/generate", headers=headers,
                        json={"prompt": "queued", "style": "anime", "request_id": "job-1", "async": True})
    assert again.status_code == 202 and again.get_json()["id"] == job["id"]
    assert client.get(f"/ai/jobs/{job['id']}").status_code == 404  # not anonymous's job

    work_queued_generations(app)
    done = client.get(f"/ai/jobs/{job['id']}", headers=headers).get_json()
    assert done["status"] == "finished"
    result = done["result"]
    assert result["caption"] == "queued" and result["style"] == "anime" and result["request_id"] == "job-1"
    assert client.get(result["image_url"]).status_code == 200
    # The synchronous call with the same request_id answers the same.
    sync = client.post("/ai/generate", headers=headers, json={"prompt": "queued", "style": "anime", "request_id": "job-1"})
    assert sync.status_code == 200 and sync.get_json()["id"] == result["id"], sync.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GeneratedImage)) == 1
    empty_tables(app)


def test_async_failure_is_recorded_on_the_job(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url, AI_PROVIDER="automatic1111", A1111_URL="http://127.0.0.1:9",
                   PROVIDER_RETRIES=0)
    client = app.test_client()
    job = client.post("/ai/generate?async=true", json={"prompt": "doomed"}).get_json()
    work_queued_generations(app)
    failed = client.get(f"/ai/jobs/{job['id']}").get_json()
    assert failed["status"] == "failed" and failed["failure"]["retryable"] is True
    with app.app_context():
        from app.models import GeneratedImage

        assert len(image_rows(GeneratedImage.status != "success")) == 1  # (anonymous callers list nothing)
    bad = client.post("/ai/generate?async=true", json={"prompt": "x", "size": "9x9"})
    assert bad.status_code == 422  # checked before anything is queued
    empty_tables(app)
