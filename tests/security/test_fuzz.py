"""Schemathesis against the app's own OpenAPI document: every operation, every phase, every check.

Each operation is a test of its own (xdist spreads them), built when it runs rather than when it is
collected: schemathesis builds an operation's coverage cases with its test, and every xdist worker
collects every test. The examples, coverage and fuzzing phases run with positive and negative data
and a fixed seed, a bounded number of examples per operation; every check schemathesis has for one
request runs, so a refused valid input, an accepted invalid one, a 5xx, an undocumented status,
content type, header or body all fail. Runs as an admin, so every handler is reached.

``DISAGREEMENTS`` lists the operations where the server enforces a rule a schema cannot state: the
file inside a base64 string, a host that must resolve to public addresses, a rule across two query
parameters or across an array's lengths. They run every other check like every operation, and the
check that all schema-valid data is accepted alone, expected to fail (strict): a fix shows as XPASS
and the entry must go.
"""

import functools
import tempfile

import pytest
import schemathesis
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support import bearer, empty_tables, make_api_key, settings_for

MAX_EXAMPLES = 2
CONFIG = {
    "seed": 20260101,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},  # stateful runs links across operations: not one request
    "checks": {"enabled": True},
    "suppress-health-check": ["all"],
}


DISAGREEMENTS = {
    "POST /v1/images/generations": "stream: true is refused (Imprint does not stream); a boolean's enum [false] "
                                   "would state it, and breaks generated clients (tests/conformance)",
    "POST /ai/tools/edit": "image_base64: the image inside the base64 is checked (PNG, JPEG, WebP or GIF), "
                           "which a schema cannot state",
    "POST /og/templates": "font_file, logo: the file inside the base64 is checked (a font, a PNG or SVG), "
                          "which a schema cannot state",
    "PATCH /og/templates/{name}": "font_file, logo: the file inside the base64 is checked (a font, a PNG or SVG), "
                                  "which a schema cannot state",
    "POST /v1/images/edits": "images[], mask: OpenAI's ImageRefParam takes exactly one of image_url and "
                             "file_id (one of two fields), and Imprint refuses file_id (it has no Files API)",
    "POST /ai/generate": "webhook_url: its host must resolve to public addresses, which a schema cannot state "
                         "(and no host resolves offline)",
    "POST /webhooks/endpoints": "url: its host must resolve to public addresses, which a schema cannot state "
                                "(and no host resolves offline)",
    "POST /ai/datasets/{dataset_id}/images/import": "url is fetched: its host must resolve to public addresses "
                                                    "(none does offline); checked as marshmallow's URL",
    "GET /history/images": "meta_key and meta_value go together (a rule across two query parameters)",
    "GET /history/images/stats": "meta_key and meta_value go together (a rule across two query parameters)",
    "POST /ai/tools/chart": "each series needs one value per label (a rule across two fields)",
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
OPERATIONS = [result.ok().label for result in schema.get_all_operations()]


@pytest.fixture(scope="module")
def fuzz_app(database_url, tmp_path_factory):
    from app import create_app

    app = create_app(settings_for(database_url, str(tmp_path_factory.mktemp("fuzz"))))
    _target.app = app
    yield app
    app.extensions["tracking"].close()  # events still on their way land now, before the tables are emptied
    empty_tables(app)  # leave no rows behind for the tests that follow


def _bearer(app, username, is_admin):
    with app.app_context():
        _user_id, key = make_api_key(app, username, is_admin=is_admin)
    return bearer(key)


@pytest.fixture(scope="module")
def admin_headers(fuzz_app):
    return _bearer(fuzz_app, "fuzz-admin", True)


@pytest.fixture(scope="module")
def user_headers(fuzz_app):
    return _bearer(fuzz_app, "fuzz-user", False)


@functools.cache
def _feedback():
    return FeedbackSources(constants_value_source=make_constants_value_source(schema))


def _run(operation, headers, **checks):
    method, path = operation.split(" ", 1)

    def check(case):
        case.call_and_validate(headers=headers, **checks)

    load_all_checks()
    # What ``schema.parametrize()`` builds for the operation at collection, the same config and seed
    test = build_operation_test(config=schema.config, operation=schema[path][method], test_func=check,
                                given_kwargs={}, feedback=_feedback())
    test()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_api_answers_as_documented(operation, fuzz_app, admin_headers):
    """Every check on every operation; where a rule cannot be stated (``DISAGREEMENTS``), every check
    but the one that expects all schema-valid data accepted, which the next test runs alone."""
    if operation in DISAGREEMENTS:
        _run(operation, admin_headers, excluded_checks=[positive_data_acceptance])
    else:
        _run(operation, admin_headers)


@pytest.mark.parametrize("operation", sorted(DISAGREEMENTS))
def test_a_rule_the_document_cannot_state_refuses_some_schema_valid_data(operation, fuzz_app, admin_headers,
                                                                          request):
    """Strict: once the server takes every schema-valid input here, this XPASSes and the entry goes."""
    request.applymarker(pytest.mark.xfail(reason=DISAGREEMENTS[operation], strict=True))
    _run(operation, admin_headers, checks=[positive_data_acceptance])
