"""The app behind a real HTTP server (werkzeug, in a thread), driven by the official ``openai`` SDK."""

from contextlib import contextmanager

import pytest
from openai import OpenAI
from werkzeug.serving import make_server

from tests.support import serve_in_thread


@contextmanager
def served(app):
    """Serve ``app`` on 127.0.0.1 (a free port) for the block; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()


def sdk(base_url, key):
    """The SDK as a user configures it: base_url to Imprint's /v1, an Imprint key; no retries."""
    return OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=60)


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP; yields its base URL."""
    with served(app) as url:
        yield url


@pytest.fixture
def build_app(make_app):
    """Build an app with extra settings; its tables are emptied after the test."""
    from tests.support import empty_tables

    built = []

    def build(**settings):
        app = make_app(**settings)
        built.append(app)
        return app

    yield build
    for app in built[:1]:
        empty_tables(app)


@pytest.fixture
def make_app(make_app):
    """Apps whose every /v1 exchange is checked against OpenAI's published document."""
    from tests.openai_api.reference import check_app_traffic

    violations = []

    def build(**settings):
        app = make_app(**settings)
        check_app_traffic(app, violations)
        return app

    yield build
    assert not violations, "answers OpenAI's schema refuses:\n" + "\n".join(violations)
