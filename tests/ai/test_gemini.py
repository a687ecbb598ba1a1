"""Gemini and Imagen against a stand-in built from google-genai's types."""

import io

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage
from tests.ai.gemini_standin import gemini
from tests.ai.servers import serve
from tests.support import bearer


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _app(provider_app, server, **settings):
    return provider_app(AI_PROVIDER="gemini", GEMINI_API_KEY="g-key", GEMINI_BASE_URL=server.url + "/v1beta",
                        **settings)


@pytest.mark.parametrize(("size", "ratio"), [("1536x1024", "3:2"), ("1024x1792", "9:16"), ("1536x640", "21:9"),
                                             ("768x768", "1:1")])
def test_the_aspect_ratio_comes_from_the_size_and_is_recorded(provider_app, size, ratio):
    with serve(gemini()) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a harbour", "size": size})
    assert response.status_code == 201, response.get_json()
    assert server.requests[0].json()["generationConfig"]["imageConfig"] == {"aspectRatio": ratio}
    [record] = _records(app)
    assert record.aspect_ratio == ratio and response.get_json()["aspect_ratio"] == ratio


def test_reference_images_are_sent_with_their_own_mime_type(provider_app, user_key):
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 200)).save(jpeg, "JPEG")
    with serve(gemini()) as server:
        app = _app(provider_app, server)
        client, headers = app.test_client(), bearer(user_key[1])
        dataset = client.post("/ai/datasets", headers=headers, json={"brand_name": "Blue Co."}).get_json()
        uploaded = client.post(f"/ai/datasets/{dataset['id']}/images", headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(jpeg.getvalue()), "ref.jpg")})
        assert uploaded.status_code == 201, uploaded.get_json()
        response = client.post("/ai/generate", headers=headers, json={"prompt": "a mug", "dataset_id": dataset["id"]})
    assert response.status_code == 201, response.get_json()
    parts = server.requests[0].json()["contents"][0]["parts"]
    assert [p["inline_data"]["mime_type"] for p in parts if "inline_data" in p] == ["image/jpeg"]


@pytest.mark.parametrize("reason", ["IMAGE_SAFETY", "IMAGE_RECITATION", "PROHIBITED_CONTENT"])
def test_blocked_images_are_refusals_with_their_reason(provider_app, reason):
    with serve(gemini(finish=reason)) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "something"})
    body = response.get_json()
    assert response.status_code == 400 and body["error_code"] == "content_policy_violation"
    assert body["provider_code"] == reason and body["retryable"] is False
    assert reason in body["message"] and len(server.requests) == 1


def test_imagen_models_use_predict_with_samples_and_a_supported_ratio(provider_app):
    with serve(gemini()) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={
            "prompt": "a red bicycle", "model": "imagen-4.0-generate-001", "n": 2, "size": "1536x1024"})
    assert response.status_code == 201, response.get_json()
    seen = server.requests[0]
    assert seen.path == "/v1beta/models/imagen-4.0-generate-001:predict"
    assert seen.json() == {"instances": [{"prompt": seen.json()["instances"][0]["prompt"]}],
                           "parameters": {"sampleCount": 2, "aspectRatio": "4:3"}}
    records = _records(app)
    assert len(records) == 2 and {r.aspect_ratio for r in records} == {"4:3"}  # Imagen's nearest, not 3:2
    assert {float(r.cost_usd) for r in records} == {0.04}


def test_imagen_filtering_every_sample_is_a_refusal(provider_app):
    with serve(gemini(finish="filtered")) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "x", "model": "imagen-4.0-fast-generate-001"})
    assert response.status_code == 400 and response.get_json()["provider_code"] == "IMAGE_SAFETY"
