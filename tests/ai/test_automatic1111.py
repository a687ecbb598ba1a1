"""Automatic1111's web UI API: a per-request model loads once, and --api-auth is answered."""

from tests.ai.a1111_standin import A1111State, automatic1111
from tests.ai.servers import serve


def _app(provider_app, server, **settings):
    return provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url, **settings)


def test_a_per_request_model_is_loaded_once_not_swapped_back_and_forth(provider_app):
    state = A1111State()
    with serve(automatic1111(state)) as server:
        app = _app(provider_app, server)
        client = app.test_client()
        for prompt in ("a tower", "a tower at dawn"):
            response = client.post("/ai/generate", json={"prompt": prompt, "model": "dreamshaper_8.safetensors",
                                                         "size": "512x512"})
            assert response.status_code == 201, response.get_json()
    sent = server.requests[0].json()
    assert sent["override_settings"] == {"sd_model_checkpoint": "dreamshaper_8.safetensors"}
    assert sent["override_settings_restore_afterwards"] is False
    assert state.loads == ["dreamshaper_8.safetensors"]


def test_api_auth_is_sent_as_basic_auth(provider_app):
    state = A1111State(auth="imprint:s3cret")
    with serve(automatic1111(state)) as server:
        without = _app(provider_app, server)
        refused = without.test_client().post("/ai/generate", json={"prompt": "x"})
        with_auth = _app(provider_app, server, A1111_AUTH="imprint:s3cret")
        accepted = with_auth.test_client().post("/ai/generate", json={"prompt": "x"})
    assert refused.status_code == 503 and "A1111_AUTH" in refused.get_json()["message"]
    assert refused.get_json()["retryable"] is False
    assert accepted.status_code == 201, accepted.get_json()


def test_doctor_reports_the_missing_credentials(provider_app):
    from app.doctor import check_providers

    with serve(automatic1111(A1111State(auth="imprint:s3cret"))) as server:
        app = _app(provider_app, server)
        with app.app_context():
            finding = check_providers()
        good = _app(provider_app, server, A1111_AUTH="imprint:s3cret")
        with good.app_context():
            fine = check_providers()
    assert not finding.ok and "A1111_AUTH" in finding.detail
    assert fine.ok and "--api" in fine.detail
