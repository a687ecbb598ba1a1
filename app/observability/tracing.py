"""OpenTelemetry traces: on when the ``otel`` extra is installed and the standard ``OTEL_*`` variables ask.

``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``)
switches it on; ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER`` and the exporter's other variables are read by the SDK
itself; ``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none`` keep it off.
Off, ``span()`` hands back one shared do-nothing context manager: the hot
paths (OG cards, tracking) pay a function call and a global lookup.
"""

import logging
import os
from contextlib import contextmanager, nullcontext

log = logging.getLogger(__name__)

_NOTHING = nullcontext()
_tracer = None  # the process's tracer once tracing is on; one provider per process, set up once


def wanted(environ=None):
    """True when the ``OTEL_*`` settings ask for traces."""
    environ = os.environ if environ is None else environ
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def init_app(app):
    """Start tracing for this process (once) and instrument ``app``'s requests, when ``wanted()``."""
    if not wanted():
        return
    tracer = _start_tracing()
    if tracer is None:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor().instrument_app(app, excluded_urls="healthz,metrics")


def _start_tracing():
    global _tracer
    if _tracer is not None:
        return _tracer
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import OTELResourceDetector, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed: "
                    "install imprint[otel]; no traces are sent")
        return None
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "imprint"}).merge(
        OTELResourceDetector().detect())
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _tracer = trace.get_tracer("imprint")
    return _tracer


def is_on():
    return _tracer is not None


def span(name, attributes=None, kind=None):
    """A child span of the current one (a context manager), or a shared do-nothing one when off."""
    if _tracer is None:
        return _NOTHING
    return _span(name, attributes, kind)


@contextmanager
def _span(name, attributes, kind):
    from opentelemetry.trace import SpanKind

    with _tracer.start_as_current_span(name, attributes=_clean(attributes),
                                       kind=getattr(SpanKind, kind or "INTERNAL")) as current:
        yield current


def start_span(name, attributes=None):
    """(span, token): a span made current until ``end_span``; (None, None) when off."""
    if _tracer is None:
        return None, None
    from opentelemetry import context as otel_context
    from opentelemetry import trace

    current = _tracer.start_span(name, attributes=_clean(attributes))
    return current, otel_context.attach(trace.set_span_in_context(current))


def end_span(current, token, attributes=None, error=None):
    if current is None:
        return
    from opentelemetry import context as otel_context
    from opentelemetry.trace import Status, StatusCode

    current.set_attributes(_clean(attributes))
    if error:
        current.set_status(Status(StatusCode.ERROR, str(error)[:300]))
    otel_context.detach(token)
    current.end()


@contextmanager
def continued(carrier, name, attributes=None):
    """A span for work queued by a request: a child of the request's trace, linked to the span that queued it."""
    if _tracer is None:
        yield None
        return
    from opentelemetry import trace
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    headers = {key: value for key, value in (carrier or {}).items() if key in ("traceparent", "tracestate") and value}
    parent = TraceContextTextMapPropagator().extract(headers)
    queued_by = trace.get_current_span(parent).get_span_context()
    links = [Link(queued_by)] if queued_by.is_valid else []
    with _tracer.start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER, links=links,
                                       attributes=_clean(attributes)) as current:
        yield current
    # RQ's work horse leaves with os._exit(), which skips the exporter's own flush at exit.
    trace.get_tracer_provider().force_flush(5000)


def _clean(attributes):
    return {key: value for key, value in (attributes or {}).items() if value is not None}


def current_span_ids():
    """(trace_id, span_id, flags) of the active OpenTelemetry span, or None."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return (format(span_context.trace_id, "032x"), format(span_context.span_id, "016x"),
            format(span_context.trace_flags, "02x"))
