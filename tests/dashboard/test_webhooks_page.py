"""The Webhooks page shows the caller's endpoints and each delivery's status, attempts and last answer."""

import time

import pytest

from tests.ai.servers import serve
from tests.dashboard.conftest import sign_in
from tests.dashboard.ledger import api


@pytest.fixture
def app(make_app, made_apps):
    from tests.support import close_apps, empty_tables

    app = make_app(WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    yield app
    close_apps(made_apps)
    empty_tables(app)


def test_the_webhooks_page_lists_endpoints_and_deliveries(app, browsing, live_server, user_key):
    _, key = user_key
    with serve(lambda seen: (204, {}, b"")) as receiver:
        registered = api(live_server, key, "POST", "/webhooks/endpoints",
                         json={"url": receiver.url + "/hook", "events": ["generation.succeeded"]})
        assert registered.status_code == 201, registered.text
        assert api(live_server, key, "POST", "/ai/generate", json={"prompt": "announced"}).status_code == 201
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and api(live_server, key, "GET", "/webhooks/deliveries").json()[
                "items"][0]["status"] != "delivered":
            time.sleep(0.05)
    page = sign_in(browsing.new_page(), key)
    page.click("text=Webhooks")
    assert receiver.url + "/hook" in page.locator("#endpoints").inner_text()
    row = page.locator("#deliveries tbody tr").nth(0).inner_text()
    assert "generation.succeeded" in row and "delivered" in row and "204" in row
