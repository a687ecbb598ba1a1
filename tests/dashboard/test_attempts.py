"""The image page lists the provider attempts of a generation that fell back from one target to the next."""

import json

import pytest

from tests.ai.openai_standin import openai_images
from tests.ai.servers import flush_tracking, serve
from tests.dashboard.conftest import sign_in
from tests.dashboard.ledger import api


@pytest.fixture
def upstreams():
    down = {"error": {"message": "The server had an error", "type": "server_error"}}
    with serve(lambda seen: (500, {}, down)) as a, serve(openai_images()) as b:
        yield a, b


@pytest.fixture
def app(make_app, made_apps, upstreams):
    from tests.support import close_apps, empty_tables

    a, b = upstreams
    targets = [{"provider": "openai", "model": "gpt-image-1.5", "settings": {"OPENAI_BASE_URL": a.url}},
               {"provider": "openai", "model": "gpt-image-1-mini", "settings": {"OPENAI_BASE_URL": b.url}}]
    app = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=b.url, PROVIDER_RETRIES=0,
                   AI_ROUTES=json.dumps({"images": targets}))
    yield app
    close_apps(made_apps)
    empty_tables(app)


def test_the_image_page_lists_each_attempt(app, browsing, live_server, user_key):
    _, key = user_key
    made = api(live_server, key, "POST", "/ai/generate", json={"prompt": "a lighthouse", "route": "images",
                                                               "quality": "low"})
    assert made.status_code == 201, made.text
    flush_tracking(app)
    page = sign_in(browsing.new_page(), key)
    page.goto(f"/dashboard/images/{made.json()['id']}")
    rows = page.locator("#attempts tbody tr")
    assert rows.count() == 2
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "openai/gpt-image-1.5" in first and "failed" in first and "unavailable" in first
    assert "openai/gpt-image-1-mini" in second and "success" in second
