"""Request ids and W3C trace context at the HTTP edge, and the JSON log line's shape."""

import json
import logging
import re

import pytest

from app.observability import context
from app.observability.logs import AddCorrelation, JsonFormatter, TextFormatter
from app.security.redact import RedactSecrets

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_request_id_is_echoed_on_success_error_and_404(client):
    for path, status in (("/healthz", 200), ("/og?seed=x&width=99999", 400), ("/nothing/here", 404)):
        response = client.get(path, headers={"X-Request-ID": "order-17:retry=2"})
        assert (response.status_code, response.headers["X-Request-ID"]) == (status, "order-17:retry=2")


@pytest.mark.parametrize("given", ["x" * 129, "has space", 'quote"d', "tab\there", "é-accent", ""])
def test_unusable_request_id_is_replaced_by_a_new_one(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("header, kept", [
    (f"00-{TRACE_ID}-00f067aa0ba902b7-01", True),
    (f"00-{TRACE_ID}-00f067aa0ba902b7-00", True),
    (f"01-{TRACE_ID}-00f067aa0ba902b7-01-future", True),  # a later version may add fields
    (f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra", False),  # version 00 has exactly four
    (f"ff-{TRACE_ID}-00f067aa0ba902b7-01", False),
    (f"00-{'0' * 32}-00f067aa0ba902b7-01", False),
    (f"00-{TRACE_ID}-{'0' * 16}-01", False),
    (f"00-{TRACE_ID.upper()}-00f067aa0ba902b7-01", False),
    ("garbage", False),
])
def test_traceparent_is_continued_only_when_valid(header, kept):
    correlation = context.incoming(None, header, "vendor=abc")
    assert (correlation.trace_id == TRACE_ID) is kept
    assert re.fullmatch(r"[0-9a-f]{32}", correlation.trace_id) and re.fullmatch(r"[0-9a-f]{16}", correlation.span_id)
    assert correlation.span_id != "00f067aa0ba902b7"  # this server's span is a new one
    assert correlation.tracestate == ("vendor=abc" if kept else None)  # no tracestate without its trace


def test_outgoing_traceparent_names_the_current_span():
    with context.bound(context.incoming("r-1", f"00-{TRACE_ID}-00f067aa0ba902b7-00", "v=1")) as correlation:
        headers = context.outgoing_headers()
    assert headers == {"traceparent": f"00-{TRACE_ID}-{correlation.span_id}-00", "tracestate": "v=1"}
    assert context.outgoing_headers() == {}  # outside a request or job, no trace is invented


def test_queued_job_resumes_the_request_trace_with_its_own_span():
    with context.bound(context.incoming("r-9", f"00-{TRACE_ID}-00f067aa0ba902b7-01")) as request:
        carrier = json.loads(json.dumps(context.carried()))  # what the job row stores
    job = context.resumed(carrier, "job-1")
    assert (job.request_id, job.trace_id, job.job_id) == ("r-9", TRACE_ID, "job-1")
    assert job.span_id != request.span_id


def record_for(message, *args, exc_info=None, **extra):
    record = logging.LogRecord("imprint.test", logging.ERROR, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    for kind in (AddCorrelation, RedactSecrets):
        kind().filter(record)
    return record


def test_json_line_has_correlation_fields_exception_in_one_field_and_no_secrets():
    try:
        raise ValueError("bad Authorization: Bearer imp_abcd1234secretsecret")
    except ValueError as error:
        exc_info = (type(error), error, error.__traceback__)
    with context.bound(context.incoming("r-2", f"00-{TRACE_ID}-00f067aa0ba902b7-01")):
        context.update(user_id="u-1", job_id="j-1")
        record = record_for("key %s failed", "imp_abcd1234secretsecret", exc_info=exc_info,
                            fields={"event": "generation", "cost_usd": 0.04,
                                    "error": "401: Authorization: Bearer imp_abcd1234secretsecret refused"})
    text = JsonFormatter().format(record)
    assert "\n" not in text and "secretsecret" not in text
    line = json.loads(text)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert (line["level"], line["logger"], line["msg"]) == ("ERROR", "imprint.test", "key imp_abcd[redacted] failed")
    assert (line["request_id"], line["trace_id"], line["user_id"], line["job_id"]) == ("r-2", TRACE_ID, "u-1", "j-1")
    assert line["event"] == "generation" and line["cost_usd"] == 0.04
    assert line["exception"].startswith("Traceback") and "ValueError" in line["exception"]


def test_text_line_keeps_the_terminal_format_with_fields_after_it():
    record = record_for("generation %s", "j-3", fields={"success": True})
    assert TextFormatter().format(record).endswith('ERROR imprint.test generation j-3 {"success":true}')
