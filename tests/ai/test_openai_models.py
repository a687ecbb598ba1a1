"""OpenAI per model, against a stand-in that refuses what OpenAI's published rules refuse."""

import base64
import math

import openai
import pytest
from sqlalchemy import select

from app.ai.providers.openai_models import flexible_size
from app.extensions import db
from app.models import GeneratedImage
from tests.ai.openai_standin import FLEXIBLE, RULES, flexible_ok, openai_images
from tests.ai.servers import png_bytes, serve


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _app(provider_app, server, **settings):
    return provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                        **settings)


def test_the_default_model_is_priced_from_the_usage_it_answers(provider_app):
    with serve(openai_images()) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a lighthouse at dusk"})
    assert response.status_code == 201, response.get_json()
    sent = server.requests[0].json()
    assert sent["model"] == "gpt-image-1.5" and "quality" not in sent and "response_format" not in sent
    [record] = _records(app)
    # quality left to the model: it answered "high"; 4160 image tokens at $32/M plus the prompt at $5/M
    text_tokens = math.ceil(len(sent["prompt"]) / 4)
    expected = round(text_tokens * 5 / 1e6 + 4160 * 32 / 1e6, 6)
    assert float(record.cost_usd) == pytest.approx(expected)
    assert record.quality == "high" and record.meta["provider_info"]["size"] == "1024x1024"
    assert record.meta["tokens"]["output_image"] == 4160 and response.get_json()["cost"]["known"] is True


def test_dall_e_3_makes_n_images_as_n_calls_at_its_own_size_and_quality(provider_app):
    with serve(openai_images(serve_retired=True)) as server:
        app = _app(provider_app, server, AI_MODEL="dall-e-3")
        response = app.test_client().post("/ai/generate", json={"prompt": "a fox", "n": 3, "size": "512x512",
                                                                 "quality": "high", "style": "vivid"})
    assert response.status_code == 201, response.get_json()
    sent = [seen.json() for seen in server.requests]
    assert len(sent) == 3 and {s["n"] for s in sent} == {1}
    assert {(s["size"], s["quality"], s["style"], s["response_format"]) for s in sent} == {
        ("1024x1024", "hd", "vivid", "b64_json")}
    records = _records(app)
    assert len(records) == 3 and {r.quality for r in records} == {"hd"}
    assert {float(r.cost_usd) for r in records} == {0.08}  # dall-e-3 hd 1024x1024, per image
    assert records[0].meta["revised_prompt"].endswith("refined")
    warnings = records[0].meta["provider_info"]["warnings"]
    assert any("retired" in w for w in warnings) and any("512x512" in w for w in warnings)


@pytest.mark.parametrize(("model", "size", "sent_size"), [
    ("gpt-image-1-mini", "1344x768", "1536x1024"), ("gpt-image-1.5", "768x1344", "1024x1536"),
    ("gpt-image-2", "1344x768", "1344x768"), ("gpt-image-2", "512x512", "816x816"),
    ("dall-e-2", "768x768", "1024x1024"), ("dall-e-3", "1536x640", "1792x1024"),
])
def test_each_model_is_sent_a_size_it_takes(provider_app, model, size, sent_size):
    with serve(openai_images(serve_retired=True)) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a bridge", "model": model, "size": size,
                                                                 "quality": "hd", "format": "webp"})
    assert response.status_code == 201, response.get_json()
    sent = server.requests[0].json()
    assert sent["size"] == sent_size
    assert sent.get("quality") == {"dall-e-2": None, "dall-e-3": "hd"}.get(model, "high")
    assert ("output_format" in sent) == model.startswith("gpt-image")


@pytest.mark.parametrize(("model", "fields", "field"), [
    ("dall-e-3", {"moderation": "low"}, "moderation"),
    ("dall-e-2", {"background": "transparent"}, "background"),
    ("gpt-image-1.5", {"background": "transparent", "format": "jpeg"}, "background"),
    ("dall-e-2", {"prompt": "a very long prompt " * 60}, "prompt"),
])
def test_what_a_model_refuses_is_a_422_naming_the_field_before_any_call(provider_app, model, fields, field):
    with serve(openai_images(serve_retired=True)) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a cat", "model": model, **fields})
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]["json"]) == [field]
    assert server.requests == [] and _records(app) == []


def test_gpt_options_are_forwarded_from_ai_generate(provider_app):
    with serve(openai_images()) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={
            "prompt": "a logo", "background": "transparent", "moderation": "low", "format": "png"})
    assert response.status_code == 201, response.get_json()
    sent = server.requests[0].json()
    assert (sent["background"], sent["moderation"], sent["output_format"]) == ("transparent", "low", "png")
    [record] = _records(app)
    assert record.meta["provider_info"]["background"] == "transparent"


def test_gpt_options_are_forwarded_from_v1_through_the_sdk(provider_app, user_key):
    from tests.openai_api.conftest import sdk, served

    _user_id, key = user_key
    with serve(openai_images()) as upstream:
        app = provider_app(OPENAI_COMPAT_MODELS='{"gpt-image-1.5": "openai/gpt-image-1.5"}', OPENAI_API_KEY="sk-test",
                        OPENAI_BASE_URL=upstream.url + "/v1", PROVIDER_RETRIES=0)
        with served(app) as url:
            result = sdk(url, key).images.generate(model="gpt-image-1.5", prompt="a kite", moderation="low",
                                                   output_format="webp", output_compression=60,
                                                   background="opaque", quality="low")
    sent = upstream.requests[0].json()
    assert (sent["moderation"], sent["output_format"], sent["output_compression"], sent["background"]) == (
        "low", "webp", 60, "opaque")
    assert result.data[0].b64_json and result.usage.output_tokens == 272


def test_an_unknown_model_gets_its_family_rules_and_a_warning(provider_app, monkeypatch):
    monkeypatch.setitem(RULES, "gpt-image-9-preview", FLEXIBLE)
    with serve(openai_images()) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a boat", "model": "gpt-image-9-preview",
                                                                 "size": "1344x768", "quality": "standard"})
    assert response.status_code == 201, response.get_json()
    sent = server.requests[0].json()
    assert (sent["size"], sent["quality"]) == ("1344x768", "medium") and "response_format" not in sent
    [record] = _records(app)
    assert "gpt-image-2" in record.meta["provider_info"]["warnings"][0]
    assert record.cost_usd is None  # no price for it: unknown, never 0


def test_dall_e_3_cannot_edit_and_says_so_before_any_call(provider_app, user_key):
    from tests.openai_api.conftest import sdk, served

    source = base64.b64encode(png_bytes()).decode()
    with serve(openai_images(serve_retired=True)) as server:
        app = provider_app(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                           AI_PROVIDERS_ALLOWED="procedural,openai")
        response = app.test_client().post("/ai/tools/edit", json={"image_base64": source, "instruction": "a hat",
                                                                   "provider": "openai", "model": "dall-e-3"})
        _user_id, key = user_key
        v1 = provider_app(OPENAI_COMPAT_MODELS='{"dall-e-3": "openai/dall-e-3"}', OPENAI_API_KEY="sk-test",
                       OPENAI_BASE_URL=server.url + "/v1")
        with served(v1) as url, pytest.raises(openai.BadRequestError) as raised:
            sdk(url, key).images.edit(model="dall-e-3", image=("a.png", png_bytes(), "image/png"), prompt="a hat")
    assert response.status_code == 422 and "dall-e-3 cannot edit" in response.get_json()["message"]
    assert raised.value.param == "model"
    assert server.requests == []


def test_an_edit_with_a_gpt_model_sends_multipart_the_stand_in_accepts(provider_app):
    source = base64.b64encode(png_bytes()).decode()
    with serve(openai_images()) as server:
        app = provider_app(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                           AI_PROVIDERS_ALLOWED="procedural,openai")
        response = app.test_client().post("/ai/tools/edit", json={"image_base64": source, "instruction": "a hat",
                                                                   "provider": "openai"})
    assert response.status_code == 201, response.get_json()
    assert server.requests[0].path == "/v1/images/edits"
    [record] = _records(app)
    assert record.meta["tokens"]["input_image"] == 194 and record.cost_usd is not None


@pytest.mark.parametrize("code", ["billing_hard_limit_reached", "insufficient_quota"])
def test_billing_limits_are_quota_errors_not_retried(provider_app, code):
    body = {"error": {"message": "Billing hard limit has been reached", "type": "invalid_request_error",
                      "param": None, "code": code}}
    with serve(lambda seen: (400 if code.startswith("billing") else 429, {}, body)) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "no money"})
    assert response.status_code == 503 and response.get_json()["error_kind"] == "quota"
    assert response.get_json()["retryable"] is False and len(server.requests) == 1



def test_images_made_before_a_later_call_fails_are_kept(provider_app):
    standin = openai_images(serve_retired=True)
    refusal = {"error": {"message": "Your request was rejected by the safety system.", "type": "invalid_request_error",
                         "param": None, "code": "content_policy_violation"}}
    answers = iter([None, (400, {}, refusal)])
    with serve(lambda seen: next(answers) or standin(seen)) as server:
        app = _app(provider_app, server, AI_MODEL="dall-e-3")
        response = app.test_client().post("/ai/generate", json={"prompt": "two foxes", "n": 2})
    assert response.status_code == 201, (response.get_json(), [r.body[:200] for r in server.requests])
    assert len(server.requests) == 2
    [record] = _records(app)  # the first image was made and billed: it is kept
    assert record.meta["provider_info"]["failed"].startswith("1 of 2 images made; then openai refused")


@pytest.mark.parametrize("width, height", [(4000, 500), (500, 4000), (3000, 1000), (1000, 3000), (64, 48),
                                           (8000, 8000), (100, 33), (3840, 1280), (1000, 660), (2560, 256),
                                           (1458, 487), (487, 1458)])
def test_flexible_sizes_are_ones_the_model_takes(width, height):
    """A source of any shape (an edit of a 4000x500 image) is asked for at a size the model accepts,
    as close to the source's shape as the 1:3..3:1 bounds allow."""
    size = flexible_size(width, height)
    assert flexible_ok(size), f"{width}x{height} -> {size}"
    sent_width, sent_height = (int(edge) for edge in size.split("x"))
    shape = min(3, max(1 / 3, width / height))
    assert sent_width / sent_height == pytest.approx(shape, rel=0.05)
    # as many pixels as the source, within the floor, the cap and the longest edge
    pixels = min(max(655_360, width * height), 3840 * 2160, 3840 * 3840 / max(shape, 1 / shape))
    assert sent_width * sent_height == pytest.approx(pixels, rel=0.05)


def test_a_source_of_every_size_is_asked_for_at_a_size_the_model_takes():
    """Sizes near the pixel floor (a 1000x660 photo), at an exact 3:1 after the clamp, up to past the cap."""
    refused = [(width, height, flexible_size(width, height)) for width in range(1, 9000, 37)
               for height in range(1, 9000, 41) if not flexible_ok(flexible_size(width, height))]
    assert not refused, refused[:5]


@pytest.mark.parametrize("width, height", [(1458, 487), (487, 1458), (3840, 1280), (1280, 3840), (1024, 640),
                                           (2000, 1001), (1025, 640), (640, 1025)])  # these two: onto the exact floor
def test_a_source_the_limits_allow_is_never_enlarged_and_a_fitting_one_is_sent_as_it_is(width, height):
    sent_width, sent_height = (int(edge) for edge in flexible_size(width, height).split("x"))
    assert sent_width <= width and sent_height <= height
    if flexible_ok(f"{width}x{height}"):
        assert (sent_width, sent_height) == (width, height)
