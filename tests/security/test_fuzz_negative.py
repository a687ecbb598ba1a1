"""Schemathesis with negative data on the operations a hostile caller reaches first: every input the API
document forbids is refused with a documented 4xx (never accepted, never a 5xx), and the answers conform."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.security.test_fuzz import admin_headers, fuzz_app  # noqa: F401 - the shared fixtures

MAX_EXAMPLES = 30
OPERATIONS = [
    ("POST", "/ai/generate"),
    ("POST", "/ai/tools/chart"),
    ("POST", "/ai/tools/edit"),
    ("POST", "/ai/datasets"),
    ("POST", "/prompts"),
    ("POST", "/prompts/{prompt_id}/render"),
    ("POST", "/v1/images/generations"),
    ("GET", "/ai/generated-images"),
]
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_input_the_document_forbids_is_refused(fuzz_app, admin_headers, method, path):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=admin_headers, checks=CHECKS)

    run()
