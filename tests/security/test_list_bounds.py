"""A list's length is checked before its items, error bodies stay small, integers are integers.

The bodies are the hostile ones: a million tags in a 2 to 8 MB body, on every endpoint
that takes a list. How fast they are answered is measured by bench/hostile.py."""

import json

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from app.security.bounded import Dict, List
from tests.support import bearer

MILLION = 1_000_000
SMALL_ANSWER = 4096  # bytes: a few problems and a count, never one line per item

# (path, the list field, what else the body needs) for every endpoint that takes a list
LIST_BODIES = {
    "generate": ("/ai/generate", "tags", {"prompt": "x"}),
    "edit": ("/ai/tools/edit", "operations", {}),
    "datasets": ("/ai/datasets", "unique_visual_elements", {"name": "x"}),
    "chart": ("/ai/tools/chart", "labels", {"type": "bar", "values": [1]}),
    "prompts": ("/prompts", "tags", {"id": "p", "name": "p", "template": "t"}),
    "v1-generations": ("/v1/images/generations", "tags", {"prompt": "x"}),
    "v1-edits": ("/v1/images/edits", "images", {"prompt": "x"}),
}


def _body(extra, field, item, count):
    return json.dumps({**extra, field: [item] * count})


@pytest.mark.parametrize("item", ["t", 7], ids=["good-items", "bad-items"])
@pytest.mark.parametrize("case", LIST_BODIES.values(), ids=LIST_BODIES.keys())
def test_a_million_items_are_a_small_4xx(client, admin_key, case, item):
    path, field, extra = case
    body = _body(extra, field, item, MILLION)
    assert len(body) >= 2_000_000
    response = client.post(path, data=body, content_type="application/json", headers=bearer(admin_key[1]))
    assert response.status_code in (400, 413)
    assert len(response.data) < SMALL_ANSWER
    answer = json.dumps(response.get_json())
    assert "more than 10000 values" in answer or "larger than 1048576 bytes" in answer, answer  # /v1: 413 is a 400


def test_an_eight_megabyte_body_of_tags_is_a_small_413_without_a_key(client):
    body = _body({"prompt": "x"}, "tags", "abcdef", MILLION)
    assert len(body) > 8_000_000
    response = client.post("/ai/generate", data=body, content_type="application/json")
    assert response.status_code == 413
    assert len(response.data) < SMALL_ANSWER


def test_a_json_body_past_a_mebibyte_is_refused_where_no_file_travels_in_it(client, admin_key):
    big = json.dumps({"prompt": "x" * 100, "negative_prompt": "y" * 1_100_000})
    assert client.post("/ai/generate", data=big, content_type="application/json").status_code == 413
    edit = client.post("/ai/tools/edit", data=json.dumps({"image_base64": "A" * 1_200_000, "operations": 7}),
                       content_type="application/json", headers=bearer(admin_key[1]))
    assert edit.status_code == 422  # read, then refused for what it says: the inline image may be large


@pytest.mark.parametrize("case", LIST_BODIES.values(), ids=LIST_BODIES.keys())
def test_a_long_list_of_bad_items_names_its_length_not_its_items(client, admin_key, case):
    path, field, extra = case
    response = client.post(path, data=_body(extra, field, 7, 5000), content_type="application/json",
                           headers=bearer(admin_key[1]))
    answer = response.get_json()
    assert response.status_code in (400, 422), answer
    assert len(response.data) < SMALL_ANSWER
    text = json.dumps(answer)
    assert "Longer than maximum length" in text or "Length must be between" in text or "at most" in text, answer
    assert '"4999"' not in text and "4999" not in answer.get("message", answer.get("error", {}).get("message", ""))


def test_many_problems_answer_the_first_few_and_a_count(client, admin_key):
    response = client.post("/ai/tools/chart", json={"type": "bar", "labels": [7] * 50, "values": [1] * 50},
                           headers=bearer(admin_key[1]))
    answer = response.get_json()
    assert response.status_code == 422
    assert answer["problem_count"] == 50
    assert len(answer["errors"]["json"]["labels"]) == 10
    assert answer["message"].endswith("and 40 more problems")
    assert answer["message"].startswith("labels.0: Not a valid string.")


def test_a_few_problems_are_all_named(client, admin_key):
    response = client.post("/ai/tools/chart", json={"type": "bar", "labels": [7, 8], "values": [1, 2]},
                           headers=bearer(admin_key[1]))
    answer = response.get_json()
    assert response.status_code == 422
    assert "problem_count" not in answer
    assert set(answer["errors"]["json"]["labels"]) == {"0", "1"}


@pytest.mark.parametrize("body", [{"n": 1.5}, {"seed": 4294967295.5}, {"seed": 1e400}, {"n": True}],
                         ids=["n-fraction", "seed-fraction", "seed-infinite", "n-boolean"])
def test_integers_are_integers_on_generate(client, body):
    payload = json.dumps({"prompt": "a fox", **body}).replace("Infinity", "1e400")
    response = client.post("/ai/generate", data=payload, content_type="application/json")
    assert response.status_code == 422, response.get_json()
    field = next(iter(body))
    assert field in response.get_json()["errors"]["json"]


def test_a_whole_float_is_still_an_integer(client):
    response = client.post("/ai/generate", json={"prompt": "a fox", "n": 1.0, "seed": 7.0})
    assert response.status_code == 201, response.get_json()


class _Tags(Schema):
    tags = List(fields.String(), validate=validate.Length(max=3))
    labels = Dict(keys=fields.String(), values=fields.Integer(), validate=validate.Length(max=2))


@pytest.mark.parametrize("body", [{"tags": [1] * MILLION}, {"labels": {str(i): "x" for i in range(100_000)}}],
                         ids=["list", "map"])
def test_the_length_is_checked_before_any_item(body):
    with pytest.raises(ValidationError) as caught:
        _Tags().load(body)
    (field, problems), = caught.value.messages.items()
    assert problems == ["Longer than maximum length 3."] if field == "tags" else ["Longer than maximum length 2."]


def test_a_request_list_without_a_bound_does_not_build():
    with pytest.raises(TypeError, match="needs validate=Length"):
        List(fields.String())
    List(fields.String(), dump_only=True)  # answers only: nothing to bound


def _arrays_and_maps(schema, components, path, seen):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _arrays_and_maps(components[name], components, f"{path}<{name}>", seen)
        return
    if schema.get("readOnly"):
        return
    if schema.get("type") == "array" or "items" in schema:
        yield path, schema, "maxItems"
        yield from _arrays_and_maps(schema.get("items", {}), components, f"{path}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield path, schema, "maxProperties"
    if schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema):
        yield path, schema, "maxLength"
    if schema.get("type") == "integer" and "enum" not in schema:
        yield path, schema, "maximum"
    for name, child in schema.get("properties", {}).items():
        yield from _arrays_and_maps(child, components, f"{path}.{name}", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for child in schema.get(key, []):
            yield from _arrays_and_maps(child, components, path, seen)


def test_the_api_document_bounds_every_list_map_string_and_integer_a_client_sends(client):
    spec = client.get("/openapi.json").get_json()
    components = spec["components"]["schemas"]
    unbounded = []
    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            inputs = [(f"{p['in']}:{p['name']}", p.get("schema", {})) for p in operation.get("parameters", [])]
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                inputs.append((media, content.get("schema", {})))
            for where, schema in inputs:
                for path, node, bound in _arrays_and_maps(schema, components, where, set()):
                    if bound not in node:
                        unbounded.append(f"{method.upper()} {route} {path}: no {bound}")
    assert not unbounded, "\n".join(unbounded)


@pytest.mark.parametrize("body", ["[" * 20 + "]" * 20 + "," * 100_001, '{"a": [' + "{}," * 100_001 + "{}]}"],
                         ids=["commas", "objects"])
def test_a_body_with_more_separators_than_any_request_needs_is_refused_unparsed(client, admin_key, body):
    response = client.post("/ai/tools/edit", data=body, content_type="application/json",
                           headers=bearer(admin_key[1]))
    assert response.status_code == 400
    assert "more than 10000 values" in response.get_json()["message"]


def test_text_full_of_commas_is_still_read(client, admin_key):
    template = "a, " * 3000 + "{thing}"
    response = client.post("/prompts", json={"id": "commas", "name": "c", "template": template},
                           headers=bearer(admin_key[1]))
    assert response.status_code == 201, response.get_json()
