"""Templates over HTTP: CRUD with an admin key, syntax checks, rendering, versions."""

import pytest

from tests.support import bearer


def test_admin_creates_and_anyone_reads(client, make_prompt):
    created = make_prompt(category="portrait", tags=["selfie"], negativePrompt="blurry {scene}")
    assert created["version"] == 1
    assert created["variables"] == ["character", "scene", "outfit"]
    assert created["usageCount"] == 0 and created["successRate"] == 0
    one = client.get("/prompts/portrait-selfie-casual").get_json()
    assert one["negativePrompt"] == "blurry {scene}" and one["tags"] == ["selfie"]
    assert [p["id"] for p in client.get("/prompts").get_json()] == ["portrait-selfie-casual"]


def test_writes_need_an_admin_key(client, user, make_prompt):
    body = {"id": "x", "name": "X", "template": "{a}"}
    assert client.post("/prompts", json=body).status_code == 401
    assert client.post("/prompts", json=body, headers=user).status_code == 403
    make_prompt("x")
    assert client.patch("/prompts/x", json={"name": "Y"}, headers=user).status_code == 403
    assert client.delete("/prompts/x", headers=user).status_code == 403
    assert client.post("/prompts/x/versions/1/restore", headers=user).status_code == 403


def test_reading_can_be_closed_with_allow_anonymous(make_app, make_prompt, client):
    make_prompt()
    closed = make_app(ALLOW_ANONYMOUS=False).test_client()
    assert closed.get("/prompts/portrait-selfie-casual").status_code == 401


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("a {scene", "unbalanced braces"),
        ("a } b", "unbalanced braces"),
        ("shot {}", "positional placeholder {}"),
        ("shot {0}", "positional placeholder {0}"),
        ("{scene.__class__}", "attribute or index access {scene.__class__}"),
        ("{scene[0]}", "attribute or index access {scene[0]}"),
        ("{scene:>99999}", "format spec :>99999"),
        ("{scene!r}", "conversion !r"),
        ("{my scene}", "invalid placeholder name {my scene}"),
    ],
)
def test_a_template_with_a_syntax_error_is_a_400_naming_the_problem(client, admin, template, problem):
    response = client.post("/prompts", json={"id": "bad", "name": "Bad", "template": template}, headers=admin)
    assert response.status_code == 400
    assert problem in response.get_json()["errors"]["json"]["template"][0]
    assert client.get("/prompts/bad").status_code == 404


def test_a_syntax_error_in_an_edit_or_negative_prompt_is_refused(client, admin, make_prompt):
    make_prompt()
    response = client.patch("/prompts/portrait-selfie-casual", json={"negativePrompt": "{x"}, headers=admin)
    assert response.status_code == 400
    assert "unbalanced braces" in response.get_json()["errors"]["json"]["negativePrompt"][0]
    assert client.get("/prompts/portrait-selfie-casual").get_json()["version"] == 1


def test_literal_braces_are_written_doubled(client, make_prompt):
    make_prompt("json-ish", template="{{literal}} {scene}")
    rendered = client.post("/prompts/json-ish/render", json={"variables": {"scene": "beach"}}).get_json()
    assert rendered["prompt"] == "{literal} beach"


def test_ids_are_slugs_and_unique(client, admin, make_prompt):
    for bad in ("Has Caps", "under_score", "top", "favorites", "-lead", "a" * 101):
        response = client.post("/prompts", json={"id": bad, "name": "n", "template": "t"}, headers=admin)
        assert response.status_code == 422, bad
        assert "id" in response.get_json()["errors"]["json"]
    make_prompt("taken")
    again = client.post("/prompts", json={"id": "taken", "name": "n", "template": "t"}, headers=admin)
    assert again.status_code == 409


def test_rendering_fills_variables_and_names_the_missing_ones(client, make_prompt):
    make_prompt(negativePrompt="not {scene}")
    url = "/prompts/portrait-selfie-casual/render"
    ok = client.post(url, json={"variables": {"character": "Ada", "scene": "beach", "outfit": "jeans", "x": 1}})
    assert ok.status_code == 200
    assert ok.get_json() == {
        "promptId": "portrait-selfie-casual",
        "version": 1,
        "label": "latest",  # no production label: the latest version
        "settings": None,
        "prompt": "selfie of Ada, beach, wearing jeans",
        "negativePrompt": "not beach",
    }
    missing = client.post(url, json={"variables": {"character": "Ada"}})
    assert missing.status_code == 400
    assert missing.get_json()["message"] == "missing variables: outfit, scene"
    bad_value = client.post(url, json={"variables": {"character": {"a": 1}, "scene": "s", "outfit": "o"}})
    assert bad_value.status_code == 422
    # a name no placeholder has fills nothing, whatever its characters; a name is at most 64 characters
    odd_name = client.post(url, json={"variables": {"character": "Ada", "scene": "s", "outfit": "o", "first name": "x"}})
    assert odd_name.status_code == 200 and odd_name.get_json()["prompt"] == "selfie of Ada, s, wearing o"
    long_name = client.post(url, json={"variables": {"character": "Ada", "scene": "s", "outfit": "o", "n" * 65: "x"}})
    assert long_name.status_code == 422 and "variables" in long_name.get_json()["errors"]["json"]
    assert client.post("/prompts/nope/render", json={"variables": {}}).status_code == 404


def test_render_prompt_service_for_other_features(app, make_prompt):
    from app.prompts.rendering import render_prompt
    from app.prompts.templates import MissingVariables, PromptNotFound

    make_prompt(negativePrompt="blurry")
    with app.app_context():
        rendered = render_prompt("portrait-selfie-casual", {"character": "Ada", "scene": "cafe", "outfit": "coat"})
        assert (rendered.text, rendered.negative_prompt, rendered.version) == (
            "selfie of Ada, cafe, wearing coat", "blurry", 1)
        with pytest.raises(MissingVariables) as missing:
            render_prompt("portrait-selfie-casual", {"character": "Ada"})
        assert missing.value.names == ["outfit", "scene"]
        with pytest.raises(PromptNotFound):
            render_prompt("nope", {})


def test_edits_make_versions_and_an_old_one_can_be_restored(client, admin, make_prompt):
    make_prompt(template="v1 {scene}")
    url = "/prompts/portrait-selfie-casual"
    edited = client.patch(url, json={"template": "v2 {scene}"}, headers=admin).get_json()
    assert edited["version"] == 2
    not_text = client.patch(url, json={"category": "portrait", "tags": ["a"]}, headers=admin).get_json()
    assert not_text["version"] == 2 and not_text["category"] == "portrait"
    versions = client.get(f"{url}/versions").get_json()
    assert [(v["version"], v["template"]) for v in versions] == [(2, "v2 {scene}"), (1, "v1 {scene}")]
    assert client.get(f"{url}/versions/1").get_json()["template"] == "v1 {scene}"
    assert client.get(f"{url}/versions/9").status_code == 404

    restored = client.post(f"{url}/versions/1/restore", headers=admin)
    assert restored.status_code == 200
    assert (restored.get_json()["version"], restored.get_json()["template"]) == (3, "v1 {scene}")
    assert client.post(f"{url}/versions/9/restore", headers=admin).status_code == 404
    old = client.post(f"{url}/render", json={"variables": {"scene": "s"}, "version": 2}).get_json()
    assert (old["prompt"], old["version"]) == ("v2 s", 2)


def test_patch_refuses_nulls_and_unknown_ids(client, admin, make_prompt):
    make_prompt()
    assert client.patch("/prompts/portrait-selfie-casual", json={"template": None}, headers=admin).status_code == 422
    assert client.patch("/prompts/nope", json={"name": "n"}, headers=admin).status_code == 404


def test_delete_and_unknown_ids(client, admin, make_prompt):
    make_prompt()
    assert client.delete("/prompts/portrait-selfie-casual", headers=admin).status_code == 204
    for path in ("", "/stats", "/scenes", "/versions"):
        response = client.get(f"/prompts/portrait-selfie-casual{path}")
        assert response.status_code == 404, path
        assert "portrait-selfie-casual" in response.get_json()["message"]
    assert client.delete("/prompts/portrait-selfie-casual", headers=admin).status_code == 404


def test_listing_filters_and_hides_inactive(client, admin, make_prompt):
    make_prompt("a-one", category="portrait", tags=["x"])
    make_prompt("b-two", category="food", tags=["y"])
    make_prompt("c-off", isActive=False)
    ids = lambda query: [p["id"] for p in client.get(f"/prompts{query}").get_json()]  # noqa: E731
    assert ids("") == ["a-one", "b-two"]
    assert ids("?include_inactive=true") == ["a-one", "b-two", "c-off"]
    assert ids("?category=food") == ["b-two"]
    assert ids("?tag=x") == ["a-one"]
    assert ids("?limit=1&offset=1") == ["b-two"]
    assert client.get("/prompts?limit=0").status_code == 400


def test_snake_case_is_accepted_on_input(client, admin):
    body = {"id": "snake", "name": "S", "template": "{a}", "negative_prompt": "n", "is_active": False}
    created = client.post("/prompts", json=body, headers=bearer(admin["Authorization"].split()[1]))
    assert created.status_code == 201
    assert created.get_json()["negativePrompt"] == "n" and created.get_json()["isActive"] is False
