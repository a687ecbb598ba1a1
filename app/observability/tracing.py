"""OpenTelemetry, when the ``otel`` extra is installed and ``OTEL_*`` settings ask for it; otherwise nothing."""

_tracer = None


def init_app(app):
    """Nothing yet when OpenTelemetry is not configured."""


def current_span_ids():
    """(trace_id, span_id, flags) of the active OpenTelemetry span, or None."""
    return None
