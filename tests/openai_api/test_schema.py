"""/v1 answers what OpenAI's published document allows (every exchange here is also checked
against it by the conftest's make_app), takes JSON edits, and routes OpenAI's own model names."""

import base64
import io

import openai
import pytest
from PIL import Image

from tests.ai.servers import png_b64, serve
from tests.openai_api.conftest import sdk, served
from tests.openai_api.reference import request_problems, response_problems
from tests.support import bearer


def _png(size=(64, 48), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _data_url(data):
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_the_reference_checker_refuses_what_openai_refuses():
    # The validator itself: the answers this session found, and the request n: "2".
    assert response_problems("/v1/images/generations", "POST", 200,
                             {"created": 1, "data": [], "quality": None, "usage": None})
    assert response_problems("/v1/images/generations", "POST", 200,
                             {"created": 1, "data": [], "usage": {"input_tokens": 1, "output_tokens": 1,
                                                                  "total_tokens": 2}})
    assert response_problems("/v1/images/generations", "POST", 200, {"created": 1, "size": "512x512"})
    assert response_problems("/v1/models/x", "DELETE", 405, {"code": 405, "message": "no"})
    assert request_problems("/v1/images/generations", "POST", {"prompt": "x", "n": "2"})
    assert not request_problems("/v1/images/generations", "POST", {"prompt": "x", "n": 2, "quality": None})


def test_usage_carries_input_tokens_details_and_no_nulls(build_app, user_key):
    def answer(seen):
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64(size=(1024, 1024))}],
                         "usage": {"input_tokens": 40, "output_tokens": 4160, "total_tokens": 4200}}

    with serve(answer) as upstream:
        app = build_app(OPENAI_API_KEY="sk-upstream", OPENAI_BASE_URL=upstream.url + "/v1")
        with served(app) as url:
            result = sdk(url, user_key[1]).images.generate(model="gpt-image-1", prompt="a cat")
            raw = app.test_client().post("/v1/images/generations", headers=bearer(user_key[1]),
                                         json={"model": "procedural", "prompt": "x", "size": "256x256"})
    assert result.usage.input_tokens_details.text_tokens == 40
    assert result.usage.input_tokens_details.image_tokens == 0
    body = raw.get_json()
    assert raw.status_code == 200 and None not in body.values()
    assert "quality" not in body and "usage" not in body and "size" not in body  # 256x256: not in the enum


@pytest.mark.parametrize("field, value, kind", [
    ("n", "2", "an integer"), ("n", True, "an integer"), ("n", 1.5, "an integer"),
    ("stream", "false", "a boolean"), ("prompt", 7, "a string"), ("output_compression", "50", "an integer"),
])
def test_json_values_keep_the_schemas_types(client, user_key, field, value, kind):
    answer = client.post("/v1/images/generations", headers=bearer(user_key[1]),
                         json={"prompt": "x", "model": "procedural", field: value})
    error = answer.get_json()["error"]
    assert answer.status_code == 400 and error["param"] == field
    assert kind in error["message"] and error["code"] == "invalid_value"


def test_a_json_edit_with_a_data_url_is_made(client, user_key):
    answer = client.post("/v1/images/edits", headers=bearer(user_key[1]), json={
        "model": "procedural", "prompt": "add a hat", "images": [{"image_url": _data_url(_png())}],
        "mask": {"image_url": _data_url(_png(mode="RGBA"))}, "response_format": "b64_json"})
    assert answer.status_code == 200, answer.get_json()
    image = Image.open(io.BytesIO(base64.b64decode(answer.get_json()["data"][0]["b64_json"])))
    assert image.size == (64, 48)


@pytest.mark.parametrize("images, param, code, words", [
    ([{"image_url": "https://example.com/a.png"}], "images[0]", "unsupported_parameter", "does not fetch"),
    ([{"file_id": "file-abc123"}], "images[0]", "unsupported_parameter", "no Files API"),
    ([{"image_url": "data:image/png;base64,@@@"}], "images[0]", "invalid_value", "base64 data URL"),
    ([{"image_url": "data:x", "file_id": "f"}], "images", "invalid_value", "exactly one"),
    ([], "images", "invalid_value", "Length"),
])
def test_json_edits_refuse_what_they_cannot_use_by_name(client, user_key, images, param, code, words):
    answer = client.post("/v1/images/edits", headers=bearer(user_key[1]),
                         json={"model": "procedural", "prompt": "add a hat", "images": images})
    error = answer.get_json()["error"]
    assert answer.status_code == 400 and error["param"] == param and error["code"] == code
    assert words.lower() in error["message"].lower()


def test_a_json_edit_without_images_names_images_not_prompt(client, user_key):
    answer = client.post("/v1/images/edits", headers=bearer(user_key[1]), json={"prompt": "add a hat"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"] == "Missing required parameter: 'images'."


def test_variations_and_model_deletion_answer_in_openai_shape(app, live_server, user_key):
    client = sdk(live_server, user_key[1])
    with pytest.raises(openai.BadRequestError) as variation:
        client.images.create_variation(image=("a.png", _png((64, 64)), "image/png"))
    with pytest.raises(openai.PermissionDeniedError) as routed:
        client.models.delete("procedural")
    with pytest.raises(openai.NotFoundError) as unknown:
        client.models.delete("ft:gpt-4o-mini:acme:x:1")
    assert variation.value.code == "model_not_supported" and "/v1/images/edits" in variation.value.message
    assert routed.value.code == "insufficient_permissions" and routed.value.param == "model"
    assert unknown.value.code == "model_not_found"


def test_providers_own_model_names_are_routed_out_of_the_box(build_app, user_key):
    def answer(seen):
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64(size=(1024, 1024))}]}

    with serve(answer) as upstream:
        app = build_app(OPENAI_API_KEY="sk-upstream", OPENAI_BASE_URL=upstream.url + "/v1",
                        GEMINI_API_KEY=None, OPENAI_COMPAT_MODELS=None)
        with served(app) as url:
            client = sdk(url, user_key[1])
            names = [model.id for model in client.models.list().data]
            client.images.generate(model="dall-e-3", prompt="a lighthouse", response_format="b64_json")
            with pytest.raises(openai.NotFoundError):
                client.images.generate(model="gemini-2.5-flash-image", prompt="x")  # no GEMINI_API_KEY
    assert {"gpt-image-1", "gpt-image-1-mini", "dall-e-3", "procedural"} <= set(names)
    assert not any(name.startswith("gemini") for name in names)
    assert upstream.requests[0].json()["model"] == "dall-e-3"
