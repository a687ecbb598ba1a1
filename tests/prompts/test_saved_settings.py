"""Saved settings: a version's provider, model, size, quality and options reach the provider; the
request's own fields override them; the ledger names the version and label used."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage
from tests.ai.openai_standin import openai_images
from tests.ai.servers import FAST_RETRIES, serve
from tests.support import bearer, empty_tables, make_api_key

SAVED = {"provider": "openai", "model": "gpt-image-1-mini", "size": "1024x1536", "quality": "low", "style": "watercolor",
         "options": {"background": "opaque", "moderation": "low"}}


@pytest.fixture
def provider_app(make_app):
    """Build an app whose requests may name the openai provider (at a stand-in); tables emptied after."""
    built = []

    def build(server):
        built.append(make_app(**FAST_RETRIES, AI_PROVIDER="procedural", AI_PROVIDERS_ALLOWED="openai",
                              OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1"))
        return built[-1]

    yield build
    for app in built:
        empty_tables(app)


def _records(app):
    with app.app_context():
        try:
            return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()
        finally:
            db.session.remove()


def test_saved_settings_reach_the_provider_and_the_request_overrides_them(provider_app):
    with serve(openai_images()) as server:
        app = provider_app(server)
        client = app.test_client()
        with app.app_context():
            admin = bearer(make_api_key(app, "root", is_admin=True)[1])
        created = client.post("/prompts", headers=admin, json={
            "id": "poster", "name": "Poster", "template": "a poster of {subject}", "settings": SAVED})
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["settings"] == SAVED
        client.put("/prompts/poster/labels/production", headers=admin, json={"version": 1})

        plain = client.post("/ai/generate", headers=admin, json={"prompt_id": "poster",
                                                                  "variables": {"subject": "a fox"}})
        assert plain.status_code == 201, plain.get_json()
        sent = server.requests[0].json()
        assert (sent["model"], sent["size"], sent["quality"], sent["background"], sent["moderation"]) == (
            "gpt-image-1-mini", "1024x1536", "low", "opaque", "low")
        assert "watercolor" in sent["prompt"].lower()  # the saved style shapes the prompt

        overridden = client.post("/ai/generate", headers=admin, json={
            "prompt_id": "poster", "variables": {"subject": "a fox"}, "quality": "medium", "size": "1024x1024"})
        assert overridden.status_code == 201, overridden.get_json()
        sent = server.requests[1].json()
        assert (sent["model"], sent["size"], sent["quality"]) == ("gpt-image-1-mini", "1024x1024", "medium")

        # another provider named in the request drops the saved model (it belongs to the saved provider)
        local = client.post("/ai/generate", headers=admin, json={
            "prompt_id": "poster", "variables": {"subject": "a fox"}, "provider": "procedural", "size": "256x256"})
        assert local.status_code == 201, local.get_json()
        assert len(server.requests) == 2
    records = _records(app)
    assert [(r.provider, r.model, r.quality) for r in records[:2]] == [
        ("openai", "gpt-image-1-mini", "low"), ("openai", "gpt-image-1-mini", "medium")]
    assert records[2].provider == "procedural" and records[2].model != "gpt-image-1-mini"
    assert {(r.meta["prompt_version"], r.meta["prompt_label"]) for r in records} == {(1, "production")}


def test_settings_are_versioned_and_checked(client, admin, make_prompt):
    make_prompt("poster", template="a poster of {subject}", settings={"quality": "low"})
    edited = client.patch("/prompts/poster", headers=admin, json={"settings": {"quality": "high"}}).get_json()
    assert edited["version"] == 2  # a settings change is a new version
    versions = {v["version"]: v["settings"] for v in client.get("/prompts/poster/versions").get_json()}
    assert versions == {2: {"quality": "high"}, 1: {"quality": "low"}}
    restored = client.post("/prompts/poster/versions/1/restore", headers=admin).get_json()
    assert (restored["version"], restored["settings"]) == (3, {"quality": "low"})
    bad = client.patch("/prompts/poster", headers=admin, json={"settings": {"quality": "ultra", "seed": 3}})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["json"]["settings"]
    assert "quality" in errors and "seed" in errors
