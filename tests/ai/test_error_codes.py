"""Whose fault a failed provider call is decides its status: the caller's 400, the operator's 503, the provider's 5xx."""

import time

import openai
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from tests.ai.a1111_standin import A1111State, automatic1111
from tests.ai.servers import flush_tracking, serve
from tests.openai_api.conftest import served
from tests.support import make_api_key


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _logs(app, expected=1):
    """The generation_logs rows once ``expected`` are there: a served app's thread writes them after
    answering, and a row that lands after the test would be the next test's."""
    deadline = time.monotonic() + 30
    while True:
        flush_tracking(app)
        with app.app_context():
            rows = db.session.scalars(select(GenerationLog).order_by(GenerationLog.created_at)).all()
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def _openai_app(provider_app, server, **settings):
    return provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url, **settings)


BAD_SIZE = {"error": {"message": "Invalid value: '999x999'. Supported values are: '1024x1024'.",
                      "type": "invalid_request_error", "param": "size", "code": "invalid_value"}}


def test_a_field_the_provider_refuses_is_a_400_naming_it_and_not_retried(provider_app):
    with serve(lambda seen: (400, {}, BAD_SIZE)) as server:
        app = _openai_app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a fox"})
    body = response.get_json()
    assert response.status_code == 400, body
    assert body["field"] == "size" and "Supported values" in body["message"]
    assert body["errors"]["json"]["size"] and body["retryable"] is False
    assert len(server.requests) == 1
    assert _records(app)[0].status == "failed"


def test_a_key_the_provider_refuses_is_a_503_that_doctor_explains(provider_app):
    from app.doctor import run_checks

    refused = {"error": {"message": "Incorrect API key provided: sk-...", "type": "invalid_request_error",
                         "param": None, "code": "invalid_api_key"}}
    with serve(lambda seen: (401, {}, refused)) as server:
        app = _openai_app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a fox"})
    body = response.get_json()
    assert response.status_code == 503 and body["error_code"] == "provider_misconfigured"
    assert "flask doctor" in body["message"] and len(server.requests) == 1
    with app.app_context():
        [finding] = [f for f in run_checks() if f.name == "provider credentials"]
    assert not finding.ok and "openai" in finding.detail and "Incorrect API key" in finding.detail
    assert "OPENAI_API_KEY" in finding.fix


def test_an_outage_is_a_502_with_the_providers_retry_after(provider_app):
    with serve(lambda seen: (503, {"Retry-After": "120"}, {"error": {"message": "overloaded"}})) as server:
        app = _openai_app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a fox"})
    assert response.status_code == 502 and response.get_json()["retryable"] is True
    assert response.headers["Retry-After"] == "120"
    assert len(server.requests) == 1  # a wait longer than we hold a request goes back to the caller


def test_a_content_policy_refusal_is_a_400_with_a_stable_code(provider_app):
    refusal = {"error": {"message": "Your request was rejected by the safety system.", "type": "invalid_request_error",
                         "param": None, "code": "moderation_blocked"}}
    with serve(lambda seen: (400, {}, refusal)) as server:
        app = _openai_app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "forbidden"})
    body = response.get_json()
    assert response.status_code == 400 and body["error_code"] == "content_policy_violation"
    assert body["provider_code"] == "moderation_blocked"


def _sdk(app, url, retries):
    with app.app_context():
        _user, key = make_api_key(app, "alice")
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=retries, timeout=30)


def test_the_sdk_gets_a_bad_request_error_and_does_not_retry_it(provider_app):
    with serve(lambda seen: (400, {}, BAD_SIZE)) as server:
        app = _openai_app(provider_app, server)
        with served(app) as url:
            client = _sdk(app, url, retries=2)
            with pytest.raises(openai.BadRequestError) as raised:
                client.images.generate(model="gpt-image-1.5", prompt="a fox")
    assert raised.value.status_code == 400 and raised.value.param == "size"
    assert len(server.requests) == 1  # the SDK's default two retries were not spent on it
    assert len(_logs(app)) == 1


def test_the_sdk_retries_an_outage_and_gets_an_internal_server_error(provider_app):
    with serve(lambda seen: (500, {}, {"error": {"message": "The server had an error"}})) as server:
        app = _openai_app(provider_app, server, PROVIDER_RETRIES=0)
        with served(app) as url:
            client = _sdk(app, url, retries=1)
            with pytest.raises(openai.InternalServerError):
                client.images.generate(model="gpt-image-1.5", prompt="a fox")
    assert len(server.requests) == 2  # the SDK's one retry reached the provider again
    assert len(_logs(app, 2)) == 2


def test_automatic1111_rows_name_the_checkpoint_that_answered(provider_app):
    with serve(automatic1111(A1111State())) as server:
        app = provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "a tower", "size": "512x512"})
    assert response.status_code == 201, response.get_json()
    [record], [log] = _records(app), _logs(app)
    assert record.model == log.model == "sd_xl_base_1.0"


def test_a_failed_automatic1111_row_names_the_model_its_log_row_names(provider_app):
    with serve(lambda seen: (500, {}, {"error": "RuntimeError", "detail": "CUDA out of memory"})) as server:
        app = provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "a tower", "size": "512x512"})
    assert response.status_code == 502
    [record], [log] = _records(app), _logs(app)
    assert record.status == "failed" and record.model is not None and record.model == log.model


def test_automatic1111_validation_errors_name_the_field(provider_app):
    invalid = {"detail": [{"loc": ["body", "width"], "msg": "value is not a valid integer", "type": "type_error"}]}
    with serve(lambda seen: (422, {}, invalid)) as server:
        app = provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url)
        response = app.test_client().post("/ai/generate", json={"prompt": "a tower", "size": "512x512"})
    body = response.get_json()
    assert response.status_code == 400 and body["field"] == "width", body
    assert "not a valid integer" in body["message"] and len(server.requests) == 1
