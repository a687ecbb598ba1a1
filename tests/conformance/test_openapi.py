"""The OpenAPI document as generated clients and readers use it, and the /docs page."""

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.support import require_service

METHODS = ("get", "post", "put", "patch", "delete")
INTERNAL = re.compile(r"``|seed 0\d\d|issue #?\d+|:func:|:class:", re.IGNORECASE)


def _operations(spec):
    return [(path, method, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in METHODS]


def test_every_operation_has_a_unique_operation_id(client):
    ids = [op.get("operationId") for _path, _method, op in _operations(client.get("/openapi.json").json)]
    assert None not in ids and len(ids) == len(set(ids)) and len(ids) > 60
    assert {"createImage", "createImageEdit", "listModels", "retrieveModel"} <= set(ids)


def test_operation_ids_are_stable_across_apps(make_app, client):
    again = make_app().test_client().get("/openapi.json").json
    first = client.get("/openapi.json").json
    assert [op["operationId"] for *_, op in _operations(first)] == \
        [op["operationId"] for *_, op in _operations(again)]


def test_every_error_response_has_a_schema(client):
    spec = client.get("/openapi.json").json
    for path, method, op in _operations(spec):
        for code, response in op["responses"].items():
            if code != "default" and code[0] not in "45":
                continue
            if "$ref" in response:
                response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            assert schema, f"{method} {path} {code} has no error schema"
            if path.startswith("/v1/"):
                assert schema == {"$ref": "#/components/schemas/OpenAIError"}, (method, path, code)


def test_no_enum_a_client_cannot_type(client):
    text = json.dumps(client.get("/openapi.json").json)
    assert '"enum": [false, null]' not in text and '"enum": [false]' not in text


def test_summaries_are_commonmark_without_internal_words(client):
    for path, method, op in _operations(client.get("/openapi.json").json):
        for key in ("summary", "description"):
            assert not INTERNAL.search(op.get(key) or ""), (method, path, op.get(key))


def test_openapi_python_client_generates_every_operation(client, tmp_path):
    spec = client.get("/openapi.json").json
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        require_service("openapi-python-client", "not installed (the test extra)")
    result = subprocess.run([str(generator), "generate", "--path", str(tmp_path / "openapi.json"),
                             "--output-path", str(tmp_path / "client"), "--meta", "none"],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unable to process schema" not in result.stdout, result.stdout
    generated = {module.stem for module in (tmp_path / "client" / "api").rglob("*.py")}
    expected = {re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", op["operationId"]).lower()
                for *_, op in _operations(spec)}
    assert expected - generated == set()
    edit = (tmp_path / "client" / "api" / "openai" / "create_image_edit.py").read_text()
    assert "body:" in edit  # the multipart body survived (it was dropped when image and image[] collided)


def test_docs_page_shows_request_bodies_with_fields_limits_and_examples(client):
    page = client.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    generate = html.split('id="ai_generate_post"', 1)[1].split('<div class="op"', 1)[0]
    assert "<code>prompt</code>" in generate and "at most 4000 characters" in generate
    assert "<code>n</code>" in generate and "≤ 4" in generate and "Example:" in generate
    assert "``" not in html and "seed 002" not in html
    edits = html.split('id="createImageEdit"', 1)[1].split('<div class="op"', 1)[0]
    assert "multipart/form-data" in edits and "application/json" in edits


def test_docs_page_works_offline(client):
    html = client.get("/docs").get_data(as_text=True)
    # No script, style or font fetched from elsewhere: every src/href is the app's own.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#")), url


def _fill(path):
    """A concrete URL for a templated path: ids as UUIDs, an extension, a version number."""
    values = {"ext": "png", "version": "1"}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "00000000-0000-4000-8000-000000000000"
                                                       if m.group(1).endswith("id") else "x"), path)


def test_operations_that_need_a_key_say_so_and_answer_401_without_one(make_app):
    """What the document says of keys is what the API does: a reader can tell which calls need one."""
    client = make_app(ALLOW_ANONYMOUS=False).test_client()
    spec = client.get("/openapi.json").json
    needing = [(path, method, op) for path, method, op in _operations(spec) if op.get("security") == [{"bearerAuth": []}]]
    assert len(needing) > 40
    for path, method, op in needing:
        assert "401" in op["responses"], f"{method} {path}"
        answer = client.open(_fill(path), method=method.upper())
        assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
    admin_only = {(path, method) for path, method, op in needing if "403" in op["responses"]}
    assert ("/og/templates", "post") in admin_only and ("/og/stats", "get") in admin_only
