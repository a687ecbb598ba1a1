"""Every path that writes an image or calls a provider spends the caller's daily quota, with its cost."""

import base64

from tests.ai.servers import FAST_RETRIES, png_b64, png_bytes, serve
from tests.support import bearer

SOURCE = base64.b64encode(png_bytes()).decode()
CHART = {"type": "bar", "labels": ["a", "b"], "values": [1, 2]}
EDIT = {"image_base64": SOURCE, "operations": [{"op": "flip", "direction": "horizontal"}]}


def test_pillow_edits_and_charts_count_against_the_daily_quota(make_app, user_key):
    app = make_app(DAILY_GENERATION_LIMIT=2)
    client, headers = app.test_client(), bearer(user_key[1])
    assert client.post("/ai/tools/chart", json=CHART, headers=headers).status_code == 201
    assert client.post("/ai/tools/edit", json=EDIT, headers=headers).status_code == 201
    assert client.post("/ai/tools/chart", json=CHART, headers=headers).status_code == 429
    refused = client.post("/ai/tools/edit", json=EDIT, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.get("/me/usage", headers=headers).json["generations_today"] == 2


def test_an_instructed_edit_reserves_the_providers_price_and_is_refused_before_calling_it(make_app):
    def answer(seen):
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64((10, 200, 10))}]}

    with serve(answer) as server:
        # An anonymous budget smaller than one paid edit: the provider is never called.
        app = make_app(**FAST_RETRIES, OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url, AI_PROVIDERS_ALLOWED="procedural,openai",
                           ANON_DAILY_COST_LIMIT_USD=0.001)
        response = app.test_client().post("/ai/tools/edit", json={
            "image_base64": SOURCE, "instruction": "make it green", "provider": "openai"})
    assert response.status_code == 429 and "cost_usd" in response.get_json()["message"]
    assert server.requests == []
