"""One error shape: every 4xx names the field and the problem; one status per kind of mistake;
unknown query parameters refused on the API and ignored on card URLs; /me/usage per group."""

import pytest

from tests.support import bearer

# (path, needs an admin key) of list endpoints that take query parameters.
LISTS = [("/ai/generated-images", False), ("/prompts", False), ("/posts", False),
         ("/og/generations", True), ("/ai/datasets", False), ("/users", True), ("/history/images", True),
         ("/history/logs", True), ("/prompts/top/used", False)]


def _headers(request_admin, user_key, admin_key):
    return bearer((admin_key if request_admin else user_key)[1])


@pytest.mark.parametrize("path, admin", LISTS)
def test_unknown_query_parameters_are_a_400_naming_them(client, user_key, admin_key, path, admin):
    answer = client.get(f"{path}?staus=failed", headers=_headers(admin, user_key, admin_key))
    body = answer.get_json()
    assert answer.status_code == 400, (path, body)
    assert body["message"] == "staus: unknown query parameter"
    assert body["errors"] == {"query": {"staus": ["Unknown field."]}}


@pytest.mark.parametrize("path, admin", [p for p in LISTS if p[0] not in ("/prompts/top/used", "/users")])
def test_an_invalid_limit_is_the_same_400_everywhere(client, user_key, admin_key, path, admin):
    answer = client.get(f"{path}?limit=0", headers=_headers(admin, user_key, admin_key))
    body = answer.get_json()
    assert answer.status_code == 400, (path, body)
    assert body["message"].startswith("limit: ") and "1" in body["message"]


def test_card_urls_ignore_unknown_parameters(client):
    assert client.get("/og?seed=a&utm_source=x&_=123").status_code == 200
    assert client.get("/og/a.png?utm_campaign=y&v=2").status_code == 200


def test_a_body_the_schema_refuses_names_each_field_in_message(client, user_key):
    answer = client.post("/ai/generate", headers=bearer(user_key[1]),
                         json={"prompt": 5, "n": 99, "tags": ["ok", 3], "colour": "red"})
    body = answer.get_json()
    assert answer.status_code == 422
    assert "well-formed" not in body["message"]
    for clause in ("prompt: Not a valid string.", "n: Must be greater than or equal to 1",
                   "tags.1: Not a valid string.", "colour: unknown field"):
        assert clause in body["message"], body["message"]
    assert body["errors"]["json"]["prompt"] == ["Not a valid string."]


def test_every_4xx_of_a_sweep_has_a_message(client, user_key):
    headers = bearer(user_key[1])
    answers = [client.get("/nope"), client.delete("/healthz"), client.get("/ai/generated-images?limit=x"),
               client.post("/ai/generate", data="{", content_type="application/json", headers=headers),
               client.post("/prompts/nope/render", json={}, headers=headers),
               client.post("/ai/generate", json={}, headers=headers)]
    for answer in answers:
        body = answer.get_json()
        assert 400 <= answer.status_code < 500 and body["message"], body
        assert "well-formed but" not in body["message"] and "could not understand" not in body["message"]


def test_me_usage_reports_each_groups_limit_as_enforced(make_app, user_key):
    app = make_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_DEFAULT="50/minute", RATE_LIMIT_AI="7/minute",
                   RATE_LIMIT_OG="90/minute")
    client = app.test_client()
    headers = bearer(user_key[1])
    usage = client.get("/me/usage", headers=headers)
    limits = usage.get_json()["rate_limits"]
    assert limits == {"default": "50/minute", "og": "90/minute", "ai": "7/minute", "openai": "7/minute"}
    assert usage.get_json()["rate_limit"] == "50/minute"
    # What the limiter enforces, group by group, is what /me/usage said.
    enforced = {"default": usage.headers["RateLimit-Limit"],
                "og": client.get("/og?seed=limits").headers["RateLimit-Limit"],
                "ai": client.get("/ai/generated-images", headers=headers).headers["RateLimit-Limit"],
                "openai": client.get("/v1/models", headers=headers).headers["RateLimit-Limit"]}
    assert enforced == {group: limit.split("/")[0] for group, limit in limits.items()}
