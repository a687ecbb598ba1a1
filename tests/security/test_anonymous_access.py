"""Anonymous callers: unguessable job ids, idempotency per caller, no listing of others' images,
and no anonymous generation on a fresh production install."""

import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import GenerationJob


def _as(address):
    return {"REMOTE_ADDR": address}


def test_two_anonymous_callers_with_one_request_id_get_their_own_images(app, client):
    body = {"prompt": "a secret plan", "request_id": "order-1"}
    first = client.post("/ai/generate", json=body, environ_base=_as("198.51.100.1"))
    other = client.post("/ai/generate", json={**body, "prompt": "another plan"}, environ_base=_as("198.51.100.2"))
    again = client.post("/ai/generate", json=body, environ_base=_as("198.51.100.1"))
    assert first.status_code == 201 and other.status_code == 201, other.get_json()
    assert other.get_json()["id"] != first.get_json()["id"]  # not the first caller's image (nor a 422)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]  # the caller's replay


def test_an_anonymous_job_id_cannot_be_computed_from_the_request_id(app, client):
    client.post("/ai/generate", json={"prompt": "p", "request_id": "guessable"}, environ_base=_as("198.51.100.1"))
    with app.app_context():
        job_id = db.session.scalars(select(GenerationJob.id)).one()
    formerly = uuid.uuid5(uuid.UUID("6f1c3f53-55a6-4b5e-9d0b-6a1a3f7f1c11"), "anonymous:guessable")
    assert job_id != formerly and job_id != uuid.uuid5(uuid.NAMESPACE_URL, "guessable")
    assert client.get(f"/ai/jobs/{formerly}", environ_base=_as("203.0.113.9")).status_code == 404


def test_anonymous_callers_cannot_list_anonymous_images(app, client):
    made = client.post("/ai/generate", json={"prompt": "mine alone"}, environ_base=_as("198.51.100.1")).get_json()
    listed = client.get("/ai/generated-images", environ_base=_as("198.51.100.2")).get_json()
    assert listed["items"] == [] and listed["total"] == 0
    assert client.get(f"/ai/generated-images?tool_name={made['tool_name']}").get_json()["items"] == []


def test_production_turns_anonymous_generation_off_unless_asked(make_app):
    production = make_app(IMPRINT_ENV="production", ALLOW_ANONYMOUS=None)
    refused = production.test_client().post("/ai/generate", json={"prompt": "free images?"})
    assert refused.status_code == 401
    doctor = production.test_cli_runner().invoke(args=["doctor"]).output
    assert "anonymous generation off" in doctor
    opened = make_app(IMPRINT_ENV="production", ALLOW_ANONYMOUS=True)
    assert opened.test_client().post("/ai/generate", json={"prompt": "free images"}).status_code == 201
    assert "WARN config" in opened.test_cli_runner().invoke(args=["doctor"]).output
