"""Schemathesis against the app's own OpenAPI document: every operation, every phase, every check.

Each operation is a test of its own (xdist spreads them). The examples, coverage and fuzzing phases
run with positive and negative data and a fixed seed, a bounded number of examples per operation;
every check schemathesis has for one request runs, so a refused valid input, an accepted invalid
one, a 5xx, an undocumented status, content type, header or body all fail. Runs as an admin, so
every handler is reached; a second test runs as an ordinary user.
"""

import tempfile

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from tests.support import make_api_key, settings_for

MAX_EXAMPLES = 12
CONFIG = {
    "seed": 20260101,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},  # stateful runs links across operations: not one request
    "checks": {"enabled": True},
    "suppress-health-check": ["all"],
}


def _document():
    """The API document, read from an app that touches no database (collection runs before fixtures)."""
    from app import create_app

    directory = tempfile.mkdtemp(prefix="imprint-document-")
    app = create_app(settings_for(f"sqlite:///{directory}/unused.db", directory))
    try:
        return app.test_client().get("/openapi.json").get_json()
    finally:
        app.extensions["tracking"].close()


class _FuzzApp:
    """The WSGI app schemathesis sends to (the checks that send a request again too): the module's
    app, built by its fixture on the test database after collection."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


_target = _FuzzApp()
schema = schemathesis.openapi.from_dict(_document(), config=SchemathesisConfig.from_dict(CONFIG))
schema.app = _target


@pytest.fixture(scope="module")
def fuzz_app(database_url, tmp_path_factory):
    from app import create_app
    from tests.conftest import _close_apps, _empty_tables

    app = create_app(settings_for(database_url, str(tmp_path_factory.mktemp("fuzz"))))
    _target.app = app
    yield app
    _close_apps([app])
    _empty_tables(app)  # leave no rows behind for the tests that follow


def _bearer(app, username, is_admin):
    with app.app_context():
        _user_id, key = make_api_key(app, username, is_admin=is_admin)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def admin_headers(fuzz_app):
    return _bearer(fuzz_app, "fuzz-admin", True)


@pytest.fixture(scope="module")
def user_headers(fuzz_app):
    return _bearer(fuzz_app, "fuzz-user", False)


@schema.parametrize()
def test_api_answers_as_documented(case, fuzz_app, admin_headers):
    case.call_and_validate(headers=admin_headers)
