import pytest

from tests.ai.servers import FAST_RETRIES, flush_tracking


@pytest.fixture
def provider_app(make_app):
    """Build an app for a remote provider; tables are emptied after the test."""
    from tests.conftest import _empty_tables

    built = []

    def build(**settings):
        app = make_app(**{**FAST_RETRIES, **settings})
        built.append(app)
        return app

    yield build
    for app in built:
        flush_tracking(app)  # the writer thread's last rows must not land in the next test's tables
    for app in built[:1]:
        _empty_tables(app)
