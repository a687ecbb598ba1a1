"""Schemathesis against the app's own OpenAPI document.

Fixed seed and a bounded number of examples per endpoint; fails on any 5xx,
any response that does not match its documented schema, and any status code
the document does not list. Runs as an admin, so every endpoint is reached.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.support import make_api_key, settings_for

MAX_EXAMPLES = 25
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_app(database_url, tmp_path_factory):
    from app import create_app
    from tests.support import empty_tables

    directory = tmp_path_factory.mktemp("fuzz")
    app = create_app(settings_for(database_url, str(directory)))
    yield app
    empty_tables(app)  # leave no rows behind for the tests that follow


@pytest.fixture(scope="module")
def admin_headers(fuzz_app):
    with fuzz_app.app_context():
        _user_id, key = make_api_key(fuzz_app, "fuzz-admin", is_admin=True)
    return {"Authorization": f"Bearer {key}"}


def test_api_answers_as_documented(fuzz_app, admin_headers):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    failures, requests = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal requests
            requests += 1
            case.call_and_validate(headers=admin_headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every endpoint's failure, then report them all
            failures.append(f"{operation.verbose_name}: {str(error).strip()[:1500]}")
    print(f"\nschemathesis: {requests} requests over {len(list(schema.get_all_operations()))} operations")
    assert requests > 0
    assert not failures, "\n\n".join(failures)
