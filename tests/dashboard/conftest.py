"""Browser tests: the app served by werkzeug in a thread, driven by headless Chromium (Playwright).

Every page a test opens is watched: each request URL is recorded, and the test
fails if one leaves http://127.0.0.1:<port>/ or if the page logs an error
(a CSP violation shows up there too).
"""

import os
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.support import require_service, serve_in_thread

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        require_service("Playwright", error)
    if not os.path.exists(CHROMIUM):
        require_service("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = serve_in_thread(self.server)

    def stop(self):
        self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


class Browsing:
    """Pages opened in one browser context, with their network log and console errors."""

    def __init__(self, browser, server):
        self.browser, self.server = browser, server
        self.requests, self.errors, self.contexts = [], [], []

    def new_page(self, width=1280, height=900):
        context = self.browser.new_context(viewport={"width": width, "height": height},
                                           base_url=self.server.url, accept_downloads=True)
        self.contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def outside_requests(self):
        inside = self.server.url + "/"
        return [url for url in self.requests if not url.startswith(inside)]

    def page_errors(self):
        """Console errors and uncaught exceptions; answers like 404 that a test asked for are not errors."""
        return [text for text in self.errors if not text.startswith("Failed to load resource")]

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server):
    session = Browsing(browser, live_server)
    yield session
    session.close()
    assert session.outside_requests() == []
    assert session.page_errors() == []


def sign_in(page, key):
    """Sign in through the login form; returns the page on the overview."""
    page.goto("/dashboard/login")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    return page


def screenshot(page, name, full_page=True):
    """Save test-artifacts/screenshots/<name>.png once every image on the page has loaded."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.eval_on_selector_all("img[loading=lazy]", "images => images.forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => [...document.images].every(i => i.hidden || (i.complete && i.naturalWidth > 0))")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
