import pytest

from tests.ai.servers import FAST_RETRIES


@pytest.fixture
def provider_app(make_app):
    """Build an app for a remote provider; tables are emptied after the test."""
    from tests.conftest import _close_apps, _empty_tables

    built = []

    def build(**settings):
        app = make_app(**{**FAST_RETRIES, **settings})
        built.append(app)
        return app

    yield build
    _close_apps(built)  # events still on their way land now, not in the next test's tables
    for app in built[:1]:
        _empty_tables(app)
