"""Each remote provider against a local server that speaks its documented protocol."""

import base64
import json

from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from app.storage.images import read_parameters
from tests.ai.servers import flush_tracking, png_b64, png_bytes, serve


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _logs(app):
    flush_tracking(app)
    with app.app_context():
        return db.session.scalars(select(GenerationLog)).all()


def test_openai_request_shape_response_tokens_and_price(provider_app):
    def answer(seen):
        return 200, {}, {"created": 1713833628, "data": [{"b64_json": png_b64(), "revised_prompt": "a cat, refined"}],
                         "usage": {"input_tokens": 50, "output_tokens": 4160, "total_tokens": 4210}}

    with serve(answer) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        response = app.test_client().post("/ai/generate", json={"prompt": "a cat", "quality": "medium"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v1/images/generations")
    assert seen.headers["authorization"] == "Bearer sk-test"
    sent = seen.json()
    assert sent["model"] == "gpt-image-1.5" and sent["size"] == "1024x1024" and sent["quality"] == "medium"
    assert sent["prompt"].startswith("a cat") and sent["n"] == 1
    assert body["provider"] == "openai" and body["images"][0]["revised_prompt"] == "a cat, refined"
    # priced from usage: 50 text tokens at $5/M, 4160 image tokens at $32/M (gpt-image-1.5)
    assert body["cost"] == {"usd": 0.13337, "currency": "USD", "known": True, "per_image_usd": 0.13337}
    [record] = _records(app)
    assert float(record.cost_usd) == 0.13337 and record.model == "gpt-image-1.5"
    [log] = _logs(app)
    assert log.success and log.costs["total"] == 0.13337 and log.tokens == {"input": 50, "output": 4160}
    assert set(log.steps) == {"prompt_building", "provider_call", "storage"}
    assert log.provider == "openai" and log.image_id == record.id


def test_openai_retries_a_429_then_succeeds(provider_app):
    answers = iter([(429, {"Retry-After": "0"}, {"error": {"message": "Rate limit reached", "type": "requests",
                                                           "code": "rate_limit_exceeded"}}),
                    (200, {}, {"created": 1, "data": [{"b64_json": png_b64()}]})])
    with serve(lambda seen: next(answers)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "retry me"})
    assert response.status_code == 201 and len(server.requests) == 2


def test_openai_rate_limit_that_persists_is_503_with_retry_after(provider_app):
    error = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    with serve(lambda seen: (429, {"Retry-After": "0"}, error)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "busy"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["retryable"] is True and body["error_kind"] == "rate_limited"
    assert response.headers["Retry-After"] == "1"
    assert len(server.requests) == 3  # one try and PROVIDER_RETRIES=2 retries
    [record] = _records(app)
    assert record.status == "failed" and "Rate limit" in record.error and str(record.id) == body["id"]
    [log] = _logs(app)
    assert log.success is False and "Rate limit" in log.error_message


def test_openai_refusal_is_400_not_retried(provider_app):
    error = {"error": {"message": "Your request was rejected by the safety system.", "type": "invalid_request_error",
                       "param": None, "code": "content_policy_violation"}}
    with serve(lambda seen: (400, {}, error)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "forbidden"})
    assert response.status_code == 400
    assert response.get_json()["retryable"] is False and response.get_json()["error_code"] == "content_policy_violation"
    assert len(server.requests) == 1
    assert _records(app)[0].status == "failed"


def test_openai_quota_and_server_errors(provider_app):
    quota = {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                       "code": "insufficient_quota"}}
    with serve(lambda seen: (429, {}, quota)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "no money"})
    assert response.status_code == 503 and response.get_json()["retryable"] is False
    assert len(server.requests) == 1
    with serve(lambda seen: (500, {}, {"error": {"message": "The server had an error"}})) as server:
        app.config["OPENAI_BASE_URL"] = server.url
        response = app.test_client().post("/ai/generate", json={"prompt": "flaky"})
    assert response.status_code == 502 and response.get_json()["retryable"] is True
    assert len(server.requests) == 3


def test_openai_without_key_is_a_clear_503(provider_app):
    app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY=None)
    response = app.test_client().post("/ai/generate", json={"prompt": "x"})
    assert response.status_code == 503 and "OPENAI_API_KEY" in response.get_json()["message"]


def test_openai_edit_is_multipart(provider_app):
    def answer(seen):
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64((10, 200, 10))}]}

    with serve(answer) as server:
        app = provider_app(OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url, AI_PROVIDERS_ALLOWED="procedural,openai")
        client = app.test_client()
        source = base64.b64encode(png_bytes()).decode()
        response = client.post("/ai/tools/edit", json={"image_base64": source, "instruction": "make it green",
                                                        "provider": "openai"})
    assert response.status_code == 201, response.get_json()
    seen = server.requests[0]
    assert seen.path == "/images/edits" and seen.headers["content-type"].startswith("multipart/form-data")
    assert b'name="prompt"' in seen.body and b"make it green" in seen.body and b'filename="image.png"' in seen.body
    assert response.get_json()["tool_name"] == "imageEditor" and response.get_json()["provider"] == "openai"
    not_enabled = provider_app(OPENAI_API_KEY="k").test_client().post(
        "/ai/tools/edit", json={"image_base64": source, "instruction": "make it green", "provider": "gemini"})
    assert not_enabled.status_code == 403 and not_enabled.get_json()["errors"]["json"]["provider"], not_enabled.get_json()


def test_gemini_generate_content_with_image_output(provider_app):
    def answer(seen):
        return 200, {}, {
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "Here is your image"}, {"inlineData": {"mimeType": "image/png", "data": png_b64()}}]},
                "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290, "totalTokenCount": 1302}}

    with serve(answer) as server:
        app = provider_app(AI_PROVIDER="gemini", GEMINI_API_KEY="g-key", GEMINI_BASE_URL=server.url + "/v1beta")
        response = app.test_client().post("/ai/generate", json={"prompt": "a lighthouse", "aspect_ratio": "16:9"})
    assert response.status_code == 201, response.get_json()
    seen = server.requests[0]
    assert seen.path == "/v1beta/models/gemini-2.5-flash-image:generateContent"
    assert seen.headers["x-goog-api-key"] == "g-key"
    sent = seen.json()
    assert sent["contents"][0]["parts"][0]["text"].startswith("a lighthouse")
    assert sent["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    assert sent["generationConfig"]["imageConfig"] == {"aspectRatio": "16:9"}
    assert response.get_json()["cost"]["usd"] == 0.039
    assert _logs(app)[0].tokens == {"input": 12, "output": 1290}


def test_gemini_blocked_prompt_is_a_refusal(provider_app):
    blocked = {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []}}
    with serve(lambda seen: (200, {}, blocked)) as server:
        app = provider_app(AI_PROVIDER="gemini", GEMINI_API_KEY="k", GEMINI_BASE_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "bad"})
    assert response.status_code == 400 and response.get_json()["error_code"] == "content_policy_violation"
    assert response.get_json()["provider_code"] == "SAFETY"
    exhausted = {"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"}}
    with serve(lambda seen: (429, {}, exhausted)) as server:
        app.config["GEMINI_BASE_URL"] = server.url
        response = app.test_client().post("/ai/generate", json={"prompt": "again"})
    assert response.status_code == 503 and response.get_json()["retryable"] is True
    assert "Retry-After" in response.headers and len(server.requests) == 3


def test_automatic1111_txt2img_and_unknown_price(provider_app, tmp_path):
    def answer(seen):
        return 200, {}, {"images": [png_b64()], "parameters": seen.json(),
                         "info": json.dumps({"seed": 1234, "sd_model_name": "sdxl_base"})}

    with serve(answer) as server:
        app = provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "a castle", "negative_prompt": "blurry",
                                                                 "size": "512x512", "seed": 1234})
        assert response.status_code == 201, response.get_json()
        sent = server.requests[0].json()
        assert server.requests[0].path == "/sdapi/v1/txt2img"
        assert (sent["width"], sent["height"], sent["seed"], sent["batch_size"]) == (512, 512, 1234, 1)
        assert sent["negative_prompt"] == "blurry" and sent["prompt"].startswith("a castle")
        body = response.get_json()
        assert body["model"] == "sdxl_base" and body["cost"]["usd"] is None and body["cost"]["known"] is False
        [record] = _records(app)
        assert record.cost_usd is None  # unknown, never 0
        assert "total" not in _logs(app)[0].costs
        # A price table file prices the self-hosted GPU.
        table = tmp_path / "prices.json"
        table.write_text(json.dumps({"automatic1111": {"*": {"*": {"*": 0.002}}}}))
        app.config["PRICE_TABLE_PATH"] = str(table)
        response = app.test_client().post("/ai/generate", json={"prompt": "a castle at night", "size": "512x512"})
    assert response.get_json()["cost"]["usd"] == 0.002


def test_comfyui_prompt_history_view(provider_app):
    image = png_bytes((1, 2, 3))
    polls = {"count": 0}

    def answer(seen):
        if seen.path == "/prompt":
            workflow = seen.json()["prompt"]
            assert workflow["6"]["inputs"]["text"].startswith("a forest")
            assert workflow["5"]["inputs"]["width"] == 1024
            return 200, {}, {"prompt_id": "p-1", "number": 0, "node_errors": {}}
        if seen.path == "/history/p-1":
            polls["count"] += 1
            if polls["count"] == 1:
                return 200, {}, {}
            return 200, {}, {"p-1": {"outputs": {"9": {"images": [
                {"filename": "imprint_00001_.png", "subfolder": "", "type": "output"}]}},
                "status": {"status_str": "success", "completed": True}}}
        if seen.path == "/view":
            assert seen.query["filename"] == ["imprint_00001_.png"]
            return 200, {"Content-Type": "image/png"}, image
        return 404, {}, {}

    with serve(answer) as server:
        app = provider_app(AI_PROVIDER="comfyui", COMFYUI_URL=server.url, COMFYUI_POLL_SECONDS=0.01)
        response = app.test_client().post("/ai/generate", json={"prompt": "a forest"})
    assert response.status_code == 201, response.get_json()
    assert [r.path for r in server.requests] == ["/prompt", "/history/p-1", "/history/p-1", "/view"]
    stored = app.test_client().get(response.get_json()["image_url"]).data
    assert "Provider: comfyui" in read_parameters(stored)


def test_a_provider_that_returns_garbage_is_502(provider_app):
    with serve(lambda seen: (200, {}, {"images": [base64.b64encode(b"not a png").decode()]})) as server:
        app = provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "x"})
    assert response.status_code == 502 and response.get_json()["error_kind"] == "bad_response"


def test_every_provider_is_a_name_requests_and_templates_may_choose():
    """A provider added to the pipeline but not to the choices would be refused by every schema that names it."""
    from app.ai.providers import PROVIDERS
    from app.choices import PROVIDER_NAMES

    assert sorted(PROVIDERS) == sorted(PROVIDER_NAMES)
