"""`flask prompts seed` loads the shipped library; running it again changes nothing."""

import json

from sqlalchemy import func, select

from app.models import Prompt, PromptVersion
from app.prompts.library import DATA_FILE, load_library


def seed(app, *args):
    result = app.test_cli_runner().invoke(args=["prompts", "seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(Prompt)),
        session.scalar(select(func.count()).select_from(PromptVersion)),
    )


def test_seeding_twice_is_idempotent(app, client, read):
    library = load_library()
    assert len(library) >= 10
    first = seed(app)
    assert f"{len(library)} created, 0 updated, 0 unchanged" in first
    snapshot = read(counts)
    assert snapshot == (len(library), len(library))
    second = seed(app)
    assert f"0 created, 0 updated, {len(library)} unchanged" in second
    assert read(counts) == snapshot
    selfie = client.get("/prompts/portrait-selfie-casual").get_json()
    assert selfie["version"] == 1 and {"scene", "outfit", "environment"} <= set(selfie["variables"])


def test_a_changed_library_updates_as_a_new_version(app, client, tmp_path, read):
    seed(app)
    document = json.loads(DATA_FILE.read_text())
    document["templates"][0]["template"] = "edited {scene}"
    document["templates"][1]["tags"] = ["retagged"]
    document["templates"].append({"id": "brand-new", "name": "New", "template": "{scene}"})
    path = tmp_path / "library.json"
    path.write_text(json.dumps(document))
    output = seed(app, "--file", str(path))
    assert "1 created, 2 updated" in output
    first = client.get(f"/prompts/{document['templates'][0]['id']}").get_json()
    second = client.get(f"/prompts/{document['templates'][1]['id']}").get_json()
    assert (first["version"], first["template"]) == (2, "edited {scene}")
    assert (second["version"], second["tags"]) == (1, ["retagged"])
    assert "unchanged" in seed(app, "--file", str(path)) and read(counts)[1] == len(document["templates"]) + 1


def test_no_update_leaves_edits_alone(app, client, admin):
    seed(app)
    client.patch("/prompts/portrait-selfie-casual", json={"template": "admin's {scene}"}, headers=admin)
    seed(app, "--no-update")
    assert client.get("/prompts/portrait-selfie-casual").get_json()["template"] == "admin's {scene}"


def test_a_broken_library_is_refused(app, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"templates": [{"id": "bad", "name": "Bad", "template": "{0}"}]}))
    result = app.test_cli_runner().invoke(args=["prompts", "seed", "--file", str(path)])
    assert result.exit_code != 0 and "positional placeholder" in result.output
