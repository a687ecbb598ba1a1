"""One door for request bodies: JSON depth and unstorable text are refused the same way with a
Content-Length or chunked (a real HTTP server, a real chunked request), on every endpoint."""

import http.client
import json

import pytest

from app.extensions import db
from app.models import Prompt
from tests.openai_api.conftest import served
from tests.support import bearer

NESTED = {"deep": 1000, "past_the_limit": 33}


def _nested(levels):
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", NESTED.values(), ids=NESTED.keys())
@pytest.mark.parametrize("path", ["/ai/generate", "/prompts", "/posts", "/ai/tools/chart", "/v1/images/generations"])
def test_deep_json_is_a_400_on_every_endpoint(client, admin_key, path, levels):
    body = '{"prompt": "x", "tags": ' + _nested(levels) + "}"
    response = client.post(path, data=body, content_type="application/json", headers=bearer(admin_key[1]))
    assert response.status_code == 400, response.get_json()
    assert "nested deeper than 32 levels" in json.dumps(response.get_json())


def test_json_within_the_limit_is_accepted(client, admin_key):
    variables = {"subject": "a fox"}
    body = {"prompt": "x", "variables": variables, "n": 1}
    assert client.post("/ai/generate", json=body, headers=bearer(admin_key[1])).status_code == 201


def _chunked(url, path, body, headers):
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        chunks = [body[i:i + 7] for i in range(0, len(body), 7)]
        conn.request("POST", path, body=iter(chunks), encode_chunked=True,
                     headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked", **headers})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


@pytest.mark.parametrize("bad", ["a\u0000b", "\ud800"], ids=["nul", "lone-surrogate"])
def test_a_chunked_body_gets_the_same_text_check(app, admin_key, bad):
    with app.app_context():
        before = db.session.query(Prompt).count()
    body = json.dumps({"id": "chunked-one", "name": bad, "template": "a {thing}"}).encode()
    with served(app) as url:
        status, answer = _chunked(url, "/prompts", body, bearer(admin_key[1]))
        deep_status, deep = _chunked(url, "/prompts", ('{"id": ' + _nested(2000) + "}").encode(),
                                     bearer(admin_key[1]))
        good_status, _good = _chunked(url, "/prompts", json.dumps({"id": "chunked-two", "name": "fine",
                                                                  "template": "a {thing}"}).encode(),
                                      bearer(admin_key[1]))
    assert status == 400 and answer["errors"]["json"] == {"name": ["must not contain NUL characters or "
                                                                   "unpaired surrogates"]}
    assert deep_status == 400 and "nested deeper" in deep["message"]
    assert good_status == 201  # a chunked body is read, not skipped
    with app.app_context():
        assert db.session.query(Prompt).count() == before + 1
