"""Model routing (OPENAI_COMPAT_MODELS), remote providers behind /v1, and OpenAI's error shape everywhere."""

import base64
import io
import json

import openai
import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage
from app.openai_api.routing import parse_routes
from tests.ai.servers import FAST_RETRIES, png_b64, serve
from tests.openai_api.conftest import sdk, served
from tests.support import bearer

ROUTES = {"gpt-image-1": {"provider": "openai", "model": "gpt-image-1"}, "dall-e-3": "openai/dall-e-3",
          "sdxl": {"provider": "automatic1111"}, "procedural": "procedural"}


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _png(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_models_are_listed_and_fetched_in_openai_shape(build_app, user_key):
    app = build_app(OPENAI_COMPAT_MODELS=json.dumps(ROUTES))
    _user_id, key = user_key
    with served(app) as url:
        client = sdk(url, key)
        listed = client.models.list()
        one = client.models.retrieve("dall-e-3")
        with pytest.raises(openai.NotFoundError) as raised:
            client.models.retrieve("gpt-4o")
    assert [(m.id, m.owned_by, m.object) for m in listed.data] == [
        ("gpt-image-1", "openai", "model"), ("dall-e-3", "openai", "model"),
        ("sdxl", "automatic1111", "model"), ("procedural", "procedural", "model")]
    assert one.id == "dall-e-3" and one.created > 0
    assert raised.value.code == "model_not_found" and raised.value.param == "model"


def test_a_mapped_model_goes_to_its_provider_with_usage_and_cost(build_app, user_key):
    def answer(seen):
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64(size=(1024, 1024))}],
                         "usage": {"input_tokens": 40, "output_tokens": 4160, "total_tokens": 4200}}

    user_id, key = user_key
    with serve(answer) as upstream:
        app = build_app(OPENAI_COMPAT_MODELS=json.dumps(ROUTES), OPENAI_API_KEY="sk-upstream",
                        OPENAI_BASE_URL=upstream.url + "/v1", **FAST_RETRIES)
        with served(app) as url:
            result = sdk(url, key).images.generate(model="gpt-image-1", prompt="a cat", quality="medium",
                                                   user="customer-7")
    sent = upstream.requests[0]
    assert sent.path == "/v1/images/generations" and sent.headers["authorization"] == "Bearer sk-upstream"
    assert sent.json()["model"] == "gpt-image-1" and sent.json()["quality"] == "medium"
    assert result.data[0].b64_json and result.data[0].url is None  # gpt-image* names answer base64
    assert result.usage.input_tokens == 40 and result.usage.output_tokens == 4160
    assert result.usage.total_tokens == 4200 and result.quality == "medium"
    [record] = _records(app)
    assert (record.user_id, record.provider, record.model, record.status) == (user_id, "openai", "gpt-image-1",
                                                                              "success")
    # priced from the usage: 40 text tokens at $5/M + 4160 image tokens at $40/M (gpt-image-1's list prices)
    assert float(record.cost_usd) == 0.1666 and record.meta["end_user"] == "customer-7"


def test_an_edit_with_a_mask_goes_to_openai_as_multipart(build_app, user_key):
    def answer(seen):
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64()}]}

    _user_id, key = user_key
    mask = io.BytesIO()
    Image.new("RGBA", (64, 48), (0, 0, 0, 0)).save(mask, "PNG")
    with serve(answer) as upstream:
        app = build_app(OPENAI_COMPAT_MODELS=json.dumps(ROUTES), OPENAI_API_KEY="k", OPENAI_BASE_URL=upstream.url)
        with served(app) as url:
            result = sdk(url, key).images.edit(model="gpt-image-1", image=("a.png", _png(), "image/png"),
                                               mask=("m.png", mask.getvalue(), "image/png"), prompt="add a hat")
    sent = upstream.requests[0]
    assert sent.path == "/images/edits" and b'name="mask"' in sent.body and b"add a hat" in sent.body
    assert result.data[0].b64_json
    [record] = _records(app)
    assert record.tool_name == "openaiImagesEdits" and record.provider == "openai"


def test_an_upstream_refusal_is_a_bad_request_and_recorded_as_failed(build_app, user_key):
    def answer(seen):
        return 400, {}, {"error": {"message": "blocked", "type": "image_generation_user_error", "param": None,
                                   "code": "moderation_blocked"}}

    user_id, key = user_key
    with serve(answer) as upstream:
        app = build_app(OPENAI_COMPAT_MODELS=json.dumps(ROUTES), OPENAI_API_KEY="k", OPENAI_BASE_URL=upstream.url)
        with served(app) as url, pytest.raises(openai.BadRequestError) as raised:
            sdk(url, key).images.generate(model="dall-e-3", prompt="something refused")
    assert raised.value.code == "moderation_blocked" and raised.value.param == "prompt"
    [record] = _records(app)
    assert (record.status, record.user_id, record.model) == ("failed", user_id, "dall-e-3")
    assert raised.value.response.headers["Imprint-Record-Id"] == str(record.id)


def test_an_unconfigured_provider_is_a_server_error_not_retried(build_app, user_key):
    _user_id, key = user_key
    app = build_app(OPENAI_COMPAT_MODELS=json.dumps(ROUTES), OPENAI_API_KEY=None)
    with served(app) as url, pytest.raises(openai.InternalServerError) as raised:
        sdk(url, key).images.generate(model="gpt-image-1", prompt="x")
    assert raised.value.status_code == 503 and raised.value.code == "misconfigured"
    assert "OPENAI_API_KEY" in raised.value.message
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert [r.status for r in _records(app)] == ["failed"]


def test_a_provider_without_edits_is_refused_naming_model(build_app, user_key):
    _user_id, key = user_key
    app = build_app(OPENAI_COMPAT_MODELS=json.dumps(ROUTES))
    with served(app) as url, pytest.raises(openai.BadRequestError) as raised:
        sdk(url, key).images.edit(model="sdxl", image=("a.png", _png(), "image/png"), prompt="x")
    assert raised.value.param == "model" and raised.value.code == "model_not_supported"
    assert _records(app) == []


def test_an_unknown_model_is_not_found_naming_model(app, live_server, user_key):
    with pytest.raises(openai.NotFoundError) as raised:
        sdk(live_server, user_key[1]).images.generate(model="dall-e-3", prompt="x")
    assert raised.value.code == "model_not_found" and raised.value.param == "model"


@pytest.mark.parametrize("extra, param", [
    ({"stream": True}, "stream"), ({"background": "transparent"}, "background"), ({"n": 0}, "n"),
    ({"response_format": "gif"}, "response_format"), ({"output_format": "svg"}, "output_format"),
    ({"quality": "ultra"}, "quality"), ({"prompt": ""}, "prompt"), ({"prompt": "a\x00b"}, "prompt"),
    ({"user": "u\x00"}, "user"),
])
def test_bad_fields_are_bad_requests_naming_the_param(app, live_server, user_key, extra, param):
    arguments = {"model": "procedural", "prompt": "x", **extra}
    with pytest.raises(openai.BadRequestError) as raised:
        sdk(live_server, user_key[1]).images.generate(**arguments)
    assert raised.value.param == param and raised.value.type == "invalid_request_error"


def test_unknown_fields_are_refused_and_imprint_extras_accepted(app, live_server, user_key):
    client = sdk(live_server, user_key[1])
    with pytest.raises(openai.BadRequestError) as raised:
        client.images.generate(model="procedural", prompt="x", extra_body={"temperature": 1})
    assert raised.value.param == "temperature" and "Unrecognized request argument" in raised.value.message
    extras = {"seed": 7, "tags": ["campaign"], "negative_prompt": "text", "request_id": "r-1"}
    first = client.images.generate(model="procedural", prompt="x", size="256x256", extra_body=extras)
    again = client.images.generate(model="procedural", prompt="x", size="256x256", extra_body=extras)
    assert first.data[0].url == again.data[0].url  # same request_id: the same image, not a second one
    [record] = _records(app)
    assert record.tags == ["campaign"] and record.negative_prompt == "text" and record.request_id == "r-1"


def test_edit_uploads_are_checked_like_every_upload(build_app, user_key):
    _user_id, key = user_key
    app = build_app(MAX_UPLOAD_PIXELS=1000)
    with served(app) as url:
        client = sdk(url, key)
        with pytest.raises(openai.BadRequestError) as too_big:
            client.images.edit(model="procedural", image=("a.png", _png((64, 48)), "image/png"), prompt="x")
        with pytest.raises(openai.BadRequestError) as garbage:
            client.images.edit(model="procedural", image=("a.png", b"not an image", "image/png"), prompt="x")
        with pytest.raises(openai.BadRequestError) as no_alpha:
            client.images.edit(model="procedural", image=("a.png", _png((20, 20)), "image/png"),
                               mask=("m.png", _png((20, 20)), "image/png"), prompt="x")
    assert too_big.value.param == "image" and "pixels" in too_big.value.message
    assert garbage.value.param == "image" and "readable" in garbage.value.message
    assert no_alpha.value.param == "mask"
    assert _records(app) == []


def test_several_images_the_first_is_edited_the_others_recorded(app, live_server, user_key):
    result = sdk(live_server, user_key[1]).images.edit(
        model="procedural", image=[("a.png", _png(), "image/png"), ("b.png", _png((30, 30)), "image/png")],
        prompt="merge", size="256x256", n=2, response_format="b64_json")
    sizes = {Image.open(io.BytesIO(base64.b64decode(item.b64_json))).size for item in result.data}
    assert len(result.data) == 2 and sizes == {(256, 256)}
    records = _records(app)
    assert len(records) == 2 and all(len(r.meta["input_images"]) == 2 for r in records)
    # An edit cannot be regenerated from its prompt alone: that would be a different tool.
    again = app.test_client().post(f"/ai/generated-images/{records[0].id}/regenerate", json={},
                                   headers=bearer(user_key[1]))
    assert again.status_code == 422 and "openaiImagesEdits" in again.get_json()["message"]


def test_anonymous_callers_only_when_allowed(build_app):
    closed = build_app(ALLOW_ANONYMOUS=False)
    refused = closed.test_client().post("/v1/images/generations", json={"prompt": "x", "model": "procedural"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "missing_api_key"
    opened = build_app(ALLOW_ANONYMOUS=True)
    made = opened.test_client().post("/v1/images/generations",
                                     json={"prompt": "x", "model": "procedural", "size": "256x256"})
    assert made.status_code == 200, made.get_json()
    assert [r.user_id for r in _records(opened)] == [None]


def test_every_v1_error_is_in_openai_shape(client, user_key):
    headers = bearer(user_key[1])
    answers = {
        "unknown route": client.post("/v1/chat/completions", json={}, headers=headers),
        "wrong method": client.delete("/v1/models", headers=headers),
        "malformed json": client.post("/v1/images/generations", data="{", headers=headers,
                                      content_type="application/json"),
        "bad scheme": client.get("/v1/models", headers={"Authorization": "Basic abc"}),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {"unknown route": 404, "wrong method": 405, "malformed json": 400, "bad scheme": 401}
    for answer in answers.values():
        error = answer.get_json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"]


def test_the_rate_limit_is_a_rate_limit_error(build_app, user_key):
    app = build_app(RATE_LIMITS_ENABLED=True, RATE_LIMIT_AI="2/minute")
    _user_id, key = user_key
    with served(app) as url:
        client = sdk(url, key)
        client.models.list()
        client.models.list()
        with pytest.raises(openai.RateLimitError) as raised:
            client.models.list()
    assert raised.value.code == "rate_limit_exceeded" and "Retry-After" in raised.value.response.headers


@pytest.mark.parametrize("raw, problem", [
    ("{", "not valid JSON"), ("[]", "non-empty JSON object"), ('{"x": {"provider": "dalle"}}', "provider"),
    ('{"x": {"provider": "openai", "model": 3}}', "model"),
])
def test_a_bad_mapping_fails_at_startup(raw, problem):
    with pytest.raises(ValueError, match=problem):
        parse_routes(raw)


def test_an_edit_with_text_where_a_file_belongs_names_the_field(client, user_key):
    headers = bearer(user_key[1])
    as_text = client.post("/v1/images/edits", data={"prompt": "x", "image": "not a file"}, headers=headers,
                          content_type="multipart/form-data")
    no_prompt = client.post("/v1/images/edits", data={"image": (io.BytesIO(_png()), "a.png", "image/png")},
                            headers=headers, content_type="multipart/form-data")
    assert as_text.status_code == 400 and as_text.get_json()["error"]["param"] == "image"
    assert no_prompt.status_code == 400
    assert no_prompt.get_json()["error"] == {"message": "Missing required parameter: 'prompt'.", "type":
                                             "invalid_request_error", "param": "prompt",
                                             "code": "missing_required_parameter"}
