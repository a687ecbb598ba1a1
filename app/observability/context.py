"""Who and what a log line, a provider call and a ledger row belong to.

One set of context variables per thread (and per RQ job): the request id,
the W3C trace context (``traceparent``/``tracestate``), the user and the job.
The request hooks and the job runner bind them; log lines, provider calls and
``generation_logs`` rows read them, so no service needs ``flask.request``.
"""

import contextvars
import re
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace

from . import tracing

MAX_REQUEST_ID = 128
# Printable, no spaces or quotes: the id is echoed in a header and written into log lines.
REQUEST_ID = re.compile(rf"[A-Za-z0-9._:@/+=-]{{1,{MAX_REQUEST_ID}}}")
TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
MAX_TRACESTATE = 512  # the W3C limit is 32 members; a longer header is dropped, not cut mid-member


@dataclass(frozen=True)
class Correlation:
    request_id: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    trace_flags: str = "01"
    tracestate: str | None = None
    user_id: str | None = None
    job_id: str | None = None

    def traceparent(self):
        """The ``traceparent`` header naming this span as the parent, or None without a trace."""
        if not (self.trace_id and self.span_id):
            return None
        return f"00-{self.trace_id}-{self.span_id}-{self.trace_flags}"

    def log_fields(self):
        return {name: value for name, value in (
            ("request_id", self.request_id), ("trace_id", self.trace_id), ("span_id", self.span_id),
            ("user_id", self.user_id), ("job_id", self.job_id)) if value}


EMPTY = Correlation()
_current = contextvars.ContextVar("imprint_correlation", default=None)


def current():
    """The correlation of the running request or job (empty fields outside one)."""
    correlation = _current.get() or EMPTY

    span = tracing.current_span_ids()
    if span is not None:
        correlation = replace(correlation, trace_id=span[0], span_id=span[1], trace_flags=span[2])
    return correlation


def new_span_id():
    return secrets.token_hex(8)


def new_trace_id():
    return secrets.token_hex(16)


def clean_request_id(value):
    """The client's ``X-Request-ID`` when it is short and printable; otherwise None (a new id is made)."""
    if value and REQUEST_ID.fullmatch(value):
        return value
    return None


def parse_traceparent(value):
    """(trace_id, parent_id, flags) from a W3C ``traceparent`` header, or None when it is invalid."""
    match = TRACEPARENT.fullmatch((value or "").strip())
    if not match:
        return None
    version, trace_id, parent_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest) or set(trace_id) == {"0"} or set(parent_id) == {"0"}:
        return None
    return trace_id, parent_id, flags


def incoming(request_id=None, traceparent=None, tracestate=None):
    """The correlation of a request arriving with these headers: its ids kept or made, a new span."""
    parent = parse_traceparent(traceparent)
    if parent is None:
        trace_id, flags, tracestate = new_trace_id(), "01", None
    else:
        trace_id, _parent_span, flags = parent
        tracestate = tracestate if tracestate and len(tracestate) <= MAX_TRACESTATE else None
    return Correlation(request_id=clean_request_id(request_id) or uuid.uuid4().hex, trace_id=trace_id,
                       span_id=new_span_id(), trace_flags=flags, tracestate=tracestate)


def bind(correlation):
    """Make ``correlation`` current; returns the token for ``unbind``."""
    return _current.set(correlation)


def unbind(token):
    _current.reset(token)


def update(**fields):
    """Add fields (user_id, job_id) to the current correlation."""
    _current.set(replace(_current.get() or EMPTY, **fields))


@contextmanager
def bound(correlation):
    token = bind(correlation)
    try:
        yield correlation
    finally:
        unbind(token)


def outgoing_headers():
    """``traceparent`` (and ``tracestate``) for a call made on behalf of the current span."""
    correlation = current()
    headers = {}
    if correlation.traceparent():
        headers["traceparent"] = correlation.traceparent()
        if correlation.tracestate:
            headers["tracestate"] = correlation.tracestate
    return headers


def carried():
    """What a queued job carries to continue the trace in the worker (plain JSON)."""
    correlation = current()
    return {"request_id": correlation.request_id, "traceparent": correlation.traceparent(),
            "tracestate": correlation.tracestate}


def resumed(carrier, job_id=None):
    """The correlation of a job that ``carried()`` queued: the same request id and trace, a new span."""
    carrier = carrier or {}
    correlation = incoming(carrier.get("request_id"), carrier.get("traceparent"), carrier.get("tracestate"))
    if not carrier.get("request_id"):
        correlation = replace(correlation, request_id=None)
    return replace(correlation, job_id=str(job_id) if job_id else None)
