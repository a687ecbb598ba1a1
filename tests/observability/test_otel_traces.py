"""OpenTelemetry: one generation's spans reach an OTLP/HTTP receiver with their parents and attributes.

The receiver is built from the published OTLP protobuf definitions (the
``opentelemetry-proto`` package); the server is gunicorn with the shipped
gunicorn.conf.py and the standard ``OTEL_*`` variables; the provider is the
OpenAI stand-in, which records the ``traceparent`` it was sent.
"""

import json
import subprocess
import time

import pytest

from tests.ai.openai_standin import openai_images
from tests.ai.servers import serve
from tests.prod.gunicorn_server import request, sigterm_and_wait, start_gunicorn
from tests.support import require_service
from tests.tracking.harness import ROOT, flask_command, worker_env

try:
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_service
except ImportError:  # the test extra brings it; CI must not skip this
    trace_service = None

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


def otlp_receiver(received):
    def answer(seen):
        if (seen.method, seen.path) != ("POST", "/v1/traces"):
            return 404, {}, b""
        assert seen.headers["content-type"] == "application/x-protobuf"
        message = trace_service.ExportTraceServiceRequest()
        message.ParseFromString(seen.body)
        for resource_spans in message.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                received.extend(scope_spans.spans)
        return 200, {"Content-Type": "application/x-protobuf"}, \
            trace_service.ExportTraceServiceResponse().SerializeToString()
    return answer


def attributes(span):
    values = {}
    for item in span.attributes:
        value = item.value
        values[item.key] = getattr(value, value.WhichOneof("value"))
    return values


@pytest.fixture(autouse=True)
def otel_installed():
    if trace_service is None:
        require_service("opentelemetry-proto", "not installed (imprint[test,otel])")


def test_one_generation_sends_its_spans_with_parents_and_genai_attributes(app):
    received = []
    with serve(otlp_receiver(received)) as collector, serve(openai_images()) as provider:
        server = start_gunicorn(app, GUNICORN_WORKERS=1, IMPRINT_ENV="production", ALLOW_ANONYMOUS="true",
                                AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=provider.url + "/v1",
                                OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, OTEL_SERVICE_NAME="imprint-test",
                                OTEL_BSP_SCHEDULE_DELAY="100")
        try:
            status, _headers, body = request(
                server.port, "POST", "/ai/generate", json.dumps({"prompt": "a lighthouse", "quality": "low"}),
                {"Content-Type": "application/json", "traceparent": f"00-{TRACE_ID}-{CLIENT_SPAN}-01"})
            assert status == 201, body[:500]
            deadline = time.monotonic() + 30
            while not any(span.name == "imprint.generation" for span in received) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)  # the request's own span ends after the generation's
        finally:
            assert sigterm_and_wait(server.process) == 0

    spans = {span.name: span for span in received if span.trace_id.hex() == TRACE_ID}
    by_id = {span.span_id.hex(): span for span in spans.values()}

    def parent(name):
        return by_id[spans[name].parent_span_id.hex()].name

    [server_name] = [name for name, span in spans.items() if span.kind == span.SPAN_KIND_SERVER]
    assert "/ai/generate" in server_name and spans[server_name].parent_span_id.hex() == CLIENT_SPAN
    provider_call = "generate_content gpt-image-1.5"
    assert parent("imprint.quota") == server_name
    assert parent("imprint.generation") == server_name
    for step in ("imprint.generation.prompt_building", provider_call, "imprint.generation.storage"):
        assert parent(step) == "imprint.generation"
    assert parent("imprint.sign") == "imprint.generation.storage"
    assert spans[provider_call].kind == spans[provider_call].SPAN_KIND_CLIENT
    # The provider was told the provider call's span as its parent.
    [sent] = provider.requests
    assert sent.headers["traceparent"] == f"00-{TRACE_ID}-{spans[provider_call].span_id.hex()}-01"

    generation = attributes(spans["imprint.generation"])
    assert generation["gen_ai.operation.name"] == "generate_content"
    assert generation["gen_ai.request.model"] == "gpt-image-1.5" and generation["gen_ai.provider.name"] == "openai"
    assert generation["gen_ai.usage.output_tokens"] == 272 and generation["gen_ai.usage.input_tokens"] > 0
    assert generation["imprint.cost_usd"] > 0 and generation["imprint.success"] is True
    assert attributes(spans[provider_call])["gen_ai.request.model"] == "gpt-image-1.5"


def test_a_queued_generation_continues_the_request_trace_in_the_worker(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    received = []
    with serve(otlp_receiver(received)) as collector:
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        server = start_gunicorn(app, GUNICORN_WORKERS=1, **otel)
        try:
            status, _headers, body = request(
                server.port, "POST", "/ai/generate?async=true", json.dumps({"prompt": "a kite", "size": "256x256"}),
                {"Content-Type": "application/json", "traceparent": f"00-{TRACE_ID}-{CLIENT_SPAN}-01"})
            assert status == 202, body[:500]
        finally:
            assert sigterm_and_wait(server.process) == 0
        worker = subprocess.run(flask_command("ai", "worker", "--burst"), cwd=ROOT, env=worker_env(app, **otel),
                                capture_output=True, text=True, timeout=180)
        assert worker.returncode == 0, worker.stderr[-3000:]
        deadline = time.monotonic() + 30
        while not any(span.name == "imprint.generation" for span in received) and time.monotonic() < deadline:
            time.sleep(0.1)

    spans = {span.name: span for span in received if span.trace_id.hex() == TRACE_ID}
    [server_name] = [name for name, span in spans.items() if span.kind == span.SPAN_KIND_SERVER]
    job = spans["imprint.job generation"]
    assert job.kind == job.SPAN_KIND_CONSUMER
    assert job.parent_span_id == spans[server_name].span_id  # the worker's spans are in the request's trace
    assert [link.span_id for link in job.links] == [spans[server_name].span_id]
    assert spans["imprint.generation"].parent_span_id == job.span_id
    assert attributes(job)["imprint.job_id"] == json.loads(body)["id"]
