"""A fixed path under /prompts answers only its own methods: a template's id never matches a reserved word."""

import re

import pytest


@pytest.mark.parametrize("path, allowed", [
    ("/prompts/favorites", {"GET", "HEAD", "OPTIONS"}),
    ("/prompts/top/used", {"GET", "HEAD", "OPTIONS"}),
    ("/prompts/favorites-two", {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"}),
    ("/prompts/p/labels/history", {"GET", "HEAD", "OPTIONS"}),
    ("/prompts/p/labels/production", {"OPTIONS", "PUT", "DELETE"}),
])
def test_options_names_only_the_paths_own_methods(client, path, allowed):
    response = client.open(path, method="OPTIONS")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_reserved_words_are_not_template_ids(client, admin_key):
    from tests.support import bearer

    assert client.delete("/prompts/favorites", headers=bearer(admin_key[1])).status_code == 405
    assert client.patch("/prompts/favorites", json={}, headers=bearer(admin_key[1])).status_code == 405


def test_the_api_document_states_the_id_pattern(client):
    spec = client.get("/openapi.json").get_json()
    operation = spec["paths"]["/prompts/{prompt_id}"]
    parameters = operation.get("parameters") or operation["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == "prompt_id")
    assert schema["pattern"] == "^(?!(?:favorites|top)$)[a-z0-9]+(?:-[a-z0-9]+)*$" and schema["maxLength"] == 100
    pattern = re.compile(schema["pattern"])
    assert pattern.match("favorites-two") and not pattern.match("favorites") and not pattern.match("top")
