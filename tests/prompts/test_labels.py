"""Labels: a label pins the version /ai/generate, /v1/images/generations and render use; moves are recorded."""

import openai
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog, PromptUsage
from tests.openai_api.conftest import sdk, served

URL = "/prompts/poster"


def _generate(client, headers, **fields):
    body = {"prompt_id": "poster", "variables": {"subject": "a fox"}, "size": "256x256", **fields}
    return client.post("/ai/generate", headers=headers, json=body)


def _move(client, admin, label, version):
    return client.put(f"{URL}/labels/{label}", headers=admin, json={"version": version})


def test_a_production_label_keeps_generation_on_its_version_while_a_newer_one_is_edited(
        client, admin, user, make_prompt, read, settle):
    make_prompt("poster", template="v1 poster of {subject}")
    assert _move(client, admin, "production", 1).status_code == 200
    client.patch(URL, headers=admin, json={"template": "v2 poster of {subject}"})  # version 2
    client.patch(URL, headers=admin, json={"template": "v3 draft of {subject}"})  # version 3, still editing

    made = _generate(client, user)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["caption"] == "v1 poster of a fox"
    rendered = client.post(f"{URL}/render", json={"variables": {"subject": "a fox"}}).get_json()
    assert (rendered["version"], rendered["label"], rendered["prompt"]) == (1, "production", "v1 poster of a fox")

    # the ledger says which version and which label made the image
    record = client.get(f"/ai/generated-images/{made.get_json()['id']}", headers=user).get_json()
    assert (record["metadata"]["prompt_version"], record["metadata"]["prompt_label"]) == (1, "production")
    settle()
    usage = read(lambda s: s.scalars(select(PromptUsage)).one())
    assert (usage.prompt_version, usage.prompt_label) == (1, "production")
    log = read(lambda s: s.scalars(select(GenerationLog)).one())
    assert (log.prompt_id, log.prompt_version, log.prompt_label) == ("poster", 1, "production")

    assert _move(client, admin, "production", 2).status_code == 200
    assert _generate(client, user).get_json()["caption"] == "v2 poster of a fox"


def test_prompt_version_wins_over_the_label_and_latest_is_the_newest(client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    client.patch(URL, headers=admin, json={"template": "v3 {subject}"})
    _move(client, admin, "production", 1)
    _move(client, admin, "staging", 2)
    assert _generate(client, user, prompt_label="staging").get_json()["caption"] == "v2 a fox"
    assert _generate(client, user, prompt_label="staging", prompt_version=3).get_json()["caption"] == "v3 a fox"
    assert _generate(client, user, prompt_label="latest").get_json()["caption"] == "v3 a fox"
    unknown = _generate(client, user, prompt_label="canary")
    assert unknown.status_code == 404 and "prompt_label" in unknown.get_json()["errors"]["json"]
    missing = _generate(client, user, prompt_version=9)
    assert missing.status_code == 404 and "prompt_version" in missing.get_json()["errors"]["json"]
    assert _generate(client, user, prompt_label="Not A Label").status_code == 422
    render = client.post(f"{URL}/render", json={"variables": {"subject": "x"}, "promptLabel": "staging",
                                                "promptVersion": 3}).get_json()
    assert (render["version"], render["label"]) == (3, None)


def test_without_labels_generation_uses_the_latest_version_as_before(client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    made = _generate(client, user).get_json()
    assert made["caption"] == "v2 a fox"


def test_label_moves_are_admin_actions_recorded_with_who_and_from_which_version(client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    assert _move(client, user, "production", 1).status_code == 403
    first = _move(client, admin, "production", 1).get_json()
    assert (first["fromVersion"], first["toVersion"], first["movedByName"]) == (None, 1, "root")
    second = _move(client, admin, "production", 2).get_json()
    assert (second["fromVersion"], second["toVersion"]) == (1, 2)
    removed = client.delete(f"{URL}/labels/production", headers=admin)
    assert removed.status_code == 200 and removed.get_json()["toVersion"] is None
    history = client.get(f"{URL}/labels/history").get_json()
    assert [(m["fromVersion"], m["toVersion"]) for m in history] == [(2, None), (1, 2), (None, 1)]
    assert _move(client, admin, "latest", 1).status_code == 422  # maintained automatically
    assert _move(client, admin, "production", 7).status_code == 404
    assert _move(client, admin, "Bad Label", 1).status_code == 422
    _move(client, admin, "staging", 1)
    labels = {item["label"]: item["version"] for item in client.get(f"{URL}/labels").get_json()}
    assert labels == {"latest": 2, "staging": 1}
    versions = {v["version"]: v["labels"] for v in client.get(f"{URL}/versions").get_json()}
    assert versions == {2: ["latest"], 1: ["staging"]}


def test_the_openai_compatible_endpoint_takes_a_label_as_an_extra(app, client, admin, user_key, make_prompt):
    make_prompt("poster", template="v1 poster of {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 poster of {subject}"})
    _move(client, admin, "production", 1)
    with served(app) as base_url:
        images = sdk(base_url, user_key[1]).images
        images.generate(prompt="at dusk", size="1024x1024", response_format="url",
                        extra_body={"prompt_id": "poster", "variables": {"subject": "a fox"}})
        images.generate(prompt="at dusk", size="1024x1024", response_format="url",
                        extra_body={"prompt_id": "poster", "prompt_label": "latest", "variables": {"subject": "a fox"}})
        with pytest.raises(openai.NotFoundError):
            images.generate(prompt="x", extra_body={"prompt_id": "poster", "prompt_label": "nope",
                                                    "variables": {"subject": "a"}})
    with app.app_context():
        records = db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()
        assert [(r.prompt, r.meta["prompt_label"]) for r in records] == [
            ("v1 poster of a fox, at dusk", "production"), ("v2 poster of a fox, at dusk", "latest")]
        db.session.remove()


def test_the_cli_moves_a_label_and_the_api_shows_the_move(app, client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    runner = app.test_cli_runner()
    moved = runner.invoke(args=["prompts", "label", "poster", "production", "1", "--by", "release-bot"])
    assert moved.exit_code == 0 and "production: - -> v1" in moved.output, moved.output
    assert _generate(client, user).get_json()["caption"] == "v1 a fox"
    assert runner.invoke(args=["prompts", "label", "poster", "production", "9"]).exit_code != 0
    assert runner.invoke(args=["prompts", "label", "poster", "production"]).exit_code != 0
    listed = runner.invoke(args=["prompts", "labels", "poster"])
    assert "production\tv1" in listed.output and "release-bot moved production: - -> v1" in listed.output
    [move] = client.get(f"{URL}/labels/history?label=production").get_json()
    assert (move["movedByName"], move["movedBy"], move["toVersion"]) == ("release-bot", None, 1)
    removed = runner.invoke(args=["prompts", "label", "poster", "production", "--remove"])
    assert removed.exit_code == 0 and _generate(client, user).get_json()["caption"] == "v2 a fox"


def test_a_failed_generation_records_the_version_and_label_it_tried(make_app, read):
    from tests.support import empty_tables, make_api_key

    app = make_app(AI_PROVIDER="automatic1111", A1111_URL="http://127.0.0.1:9", PROVIDER_RETRIES=0)
    client = app.test_client()
    with app.app_context():
        admin = {"Authorization": f"Bearer {make_api_key(app, 'root', is_admin=True)[1]}"}
    try:
        client.post("/prompts", headers=admin, json={"id": "poster", "name": "Poster", "template": "v1 {subject}"})
        client.put(f"{URL}/labels/production", headers=admin, json={"version": 1})
        failed = _generate(client, admin)
        assert failed.status_code >= 500, failed.get_json()
        with app.app_context():
            [record] = db.session.scalars(select(GeneratedImage)).all()
            assert (record.status, record.meta["prompt_version"], record.meta["prompt_label"]) == (
                "failed", 1, "production")
            db.session.remove()
    finally:
        empty_tables(app)
