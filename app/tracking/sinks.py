"""Where a finished generation job is reported besides its generation_logs row.

On when ``ENABLE_OBSERVABILITY_LOGGING`` is (by default in production):
- a structured log line (JSON) on the ``imprint.generations`` logger;
- Prometheus counters and histograms (``metrics``).
On whenever ``DOGSTATSD_ADDRESS`` (or ``DATADOG_API_KEY``, for the local agent)
is set, whatever ``ENABLE_OBSERVABILITY_LOGGING`` says:
- DogStatsD datagrams over UDP: a non-blocking socket, so a missing agent
  costs nothing and an unsent datagram is dropped, never waited for.
Only ids, never personal data.
"""

import logging
import socket

from flask import current_app, has_app_context

from . import metrics

log = logging.getLogger("imprint.generations")
internal_log = logging.getLogger(__name__)

DEFAULT_DOGSTATSD = "127.0.0.1:8125"  # the local Datadog agent, which holds the API key
_statsd_clients = {}


def emit_generation(fields):
    """Report one finished job to the sinks that are switched on; never raises."""
    if not has_app_context():
        return
    config = current_app.config
    try:
        if config.get("ENABLE_OBSERVABILITY_LOGGING"):
            _log_line(fields)
            _observe(fields)
        client = statsd_client(config)
        if client is not None:
            client.send(_datagrams(fields))
    except Exception:
        internal_log.exception("observability sinks failed for job %s", fields.get("job_id"))


def _total_cost(fields):
    return (fields.get("costs") or {}).get("total")


def _log_line(fields):
    line = {
        "event": "generation",
        "job_id": fields.get("job_id"),
        "request_id": fields.get("request_id"),
        "trace_id": fields.get("trace_id"),
        "user_id": str(fields["user_id"]) if fields.get("user_id") else None,
        "style": fields.get("style"),
        "difficulty": fields.get("difficulty"),
        "provider": fields.get("provider"),
        "model": fields.get("model"),
        "success": fields.get("success"),
        "duration_ms": fields.get("duration_ms"),
        "cost_usd": _total_cost(fields),
        "tokens": fields.get("tokens"),
        "steps": fields.get("steps"),
        "error": fields.get("error_message"),
    }
    # The fields are the log line's own fields (JSON logs), not a string inside its message.
    log.info("generation %s %s", line["job_id"], "succeeded" if line["success"] else "failed",
             extra={"fields": line})


def _observe(fields):
    style = metrics.label("style", fields.get("style"))
    success = bool(fields.get("success"))
    metrics.GENERATIONS.labels(style, "success" if success else "failure").inc()
    if not success:
        metrics.GENERATION_FAILURES.labels(style).inc()
    if fields.get("duration_ms") is not None:
        metrics.GENERATION_SECONDS.labels(style).observe(fields["duration_ms"] / 1000)
    for step, ms in (fields.get("steps") or {}).items():
        metrics.STEP_SECONDS.labels(metrics.label("step", step)).observe(ms / 1000)
    if _total_cost(fields):
        metrics.GENERATION_COST.labels(style).inc(_total_cost(fields))
    for kind, count in (fields.get("tokens") or {}).items():
        if count:
            metrics.GENERATION_TOKENS.labels(metrics.label("token_type", kind)).inc(count)


def tag(value):
    """A DogStatsD tag value: the characters the protocol reserves replaced."""
    text = str(value)[:100]
    for char in "|,#\n:":
        text = text.replace(char, "_")
    return text


def _datagrams(fields):
    tags = ",".join(
        f"{name}:{tag(fields[name])}"
        for name in ("style", "difficulty", "provider", "model")
        if fields.get(name) not in (None, "")
    )
    status = "success" if fields.get("success") else "failure"
    tags = f"#status:{status}" + (f",{tags}" if tags else "")
    lines = [f"imprint.generation.count:1|c|{tags}"]
    if fields.get("duration_ms") is not None:
        lines.append(f"imprint.generation.duration:{fields['duration_ms']}|d|{tags}")
    if _total_cost(fields) is not None:
        lines.append(f"imprint.generation.cost:{_total_cost(fields)}|d|{tags}")
    for kind, count in (fields.get("tokens") or {}).items():
        lines.append(f"imprint.generation.tokens:{int(count)}|c|{tags},type:{tag(kind)}")
    return "\n".join(lines).encode()


class DogStatsd:
    """Fire-and-forget UDP: the socket never blocks, and a full buffer drops the datagram."""

    def __init__(self, host, port):
        # Resolved once here: a name lookup per datagram could block.
        family, _type, _proto, _name, self.address = socket.getaddrinfo(
            host, int(port), type=socket.SOCK_DGRAM)[0]
        self.socket = socket.socket(family, socket.SOCK_DGRAM)
        self.socket.setblocking(False)

    def send(self, payload):
        try:
            self.socket.sendto(payload, self.address)
        except OSError:  # no agent, buffer full: metrics are best effort
            metrics.ERRORS.labels("dogstatsd").inc()


def statsd_client(config):
    """The DogStatsD client for these settings, or None when Datadog is not configured."""
    address = config.get("DOGSTATSD_ADDRESS") or (DEFAULT_DOGSTATSD if config.get("DATADOG_API_KEY") else None)
    if not address:
        return None
    if address not in _statsd_clients:
        host, _, port = address.rpartition(":")
        _statsd_clients[address] = DogStatsd(host.strip("[]") or "127.0.0.1", port or 8125)
    return _statsd_clients[address]
