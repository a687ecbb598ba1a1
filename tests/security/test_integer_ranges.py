"""Integers a client sends are checked against their documented range before they reach SQL."""

import pytest

from tests.support import bearer

HUGE = "99999999999999999999"


@pytest.fixture
def template(client, admin_key):
    body = {"id": "ranged", "name": "Ranged", "template": "a {thing}"}
    assert client.post("/prompts", json=body, headers=bearer(admin_key[1])).status_code == 201


@pytest.mark.usefixtures("template")
def test_huge_integers_are_4xx_on_both_databases(client, admin_key):
    headers = bearer(admin_key[1])
    assert client.get(f"/prompts/ranged/versions/{HUGE}", headers=headers).status_code == 404
    assert client.post(f"/prompts/ranged/versions/{HUGE}/restore", headers=headers).status_code == 404
    assert client.get("/prompts/ranged/versions/2147483648", headers=headers).status_code == 404
    assert client.get("/prompts/ranged/versions/1", headers=headers).status_code == 200
    render = client.post("/prompts/ranged/render", json={"variables": {"thing": "x"}, "version": int(HUGE)},
                         headers=headers)
    assert render.status_code in (400, 422) and "version" in str(render.get_json())
    stats = client.get(f"/prompts/ranged/stats?version={HUGE}", headers=headers)
    assert stats.status_code in (400, 422), stats.get_json()
    for path in ("/posts", "/prompts/ranged/usage"):
        body = {"promptId": "ranged", "promptVersion": int(HUGE), "success": True}
        if path != "/posts":
            body.pop("promptId")
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code in (400, 422) and "promptVersion" in str(answer.get_json()), answer.get_json()
