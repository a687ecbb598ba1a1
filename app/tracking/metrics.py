"""Prometheus metrics: the pipeline's own counters and the generations' figures.

Process-wide (prometheus-client's default registry), so every app built in a
process shares them. Under gunicorn with several processes, set
``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, before the processes start):
``GET /metrics`` then adds up every process's values with prometheus-client's
multiprocess collector. Without it each process reports only its own counts.
"""

import hmac
import os

from flask import Response, current_app, request
from flask_smorest import Blueprint
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from app.extensions import held

RECORDED = Counter("imprint_tracking_events_recorded_total", "Tracking events recorded", ["kind"])
SENT = Counter(
    "imprint_tracking_events_sent_total",
    "Events a transport passed on: pushed to Redis, written to the database, appended to the spool",
    ["transport"],
)
FELL_BACK = Counter(
    "imprint_tracking_events_fell_back_total",
    "Events a transport could not pass on and handed to the next one",
    ["transport"],
)
WRITTEN = Counter("imprint_tracking_events_written_total", "Events written as new rows", ["kind"])
DUPLICATES = Counter(
    "imprint_tracking_duplicates_dropped_total",
    "Events written again (retry, replay, re-queued batch) and dropped as duplicates",
    ["kind"],
)
SPOOLED = Counter("imprint_tracking_events_spooled_total", "Events appended to the spool file", ["kind"])
REPLAYED = Counter("imprint_tracking_events_replayed_total", "Spooled events sent on again by a replay")
REJECTED = Counter(
    "imprint_tracking_events_rejected_total",
    "Events the database refused as invalid (kept in the rejected file)",
    ["kind"],
)
TORN_LINES = Counter("imprint_tracking_spool_torn_lines_total", "Unreadable spool lines skipped")
ERRORS = Counter("imprint_tracking_errors_total", "Failures of the tracking pipeline's parts", ["component"])
WRITE_SECONDS = Histogram(
    "imprint_tracking_write_seconds",
    "Time to write one batch of events",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)

_recorded_children = {}


def count_recorded(kind):
    """``RECORDED.labels(kind).inc()``, the child kept: this runs for every event recorded."""
    child = _recorded_children.get(kind)
    if child is None:
        child = _recorded_children.setdefault(kind, RECORDED.labels(kind))
    child.inc()


GENERATIONS = Counter("imprint_generations_total", "Completed generation jobs", ["style", "status"])
GENERATION_FAILURES = Counter("imprint_generation_failures_total", "Failed generation jobs", ["style"])
GENERATION_SECONDS = Histogram(
    "imprint_generation_duration_seconds",
    "Duration of a generation job",
    ["style"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120),
)
STEP_SECONDS = Histogram(
    "imprint_generation_step_duration_seconds",
    "Duration of one step of a generation job",
    ["step"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
GENERATION_COST = Counter("imprint_generation_cost_usd_total", "Known generation costs in USD", ["style"])
GENERATION_TOKENS = Counter("imprint_generation_tokens_total", "Tokens used by generations", ["type"])

def init_known_series(kinds):
    """The pipeline's series at zero from the start (a series born at its first event hides it from rate())."""
    for kind in kinds:
        for counter in (RECORDED, WRITTEN, DUPLICATES, SPOOLED, REJECTED):
            counter.labels(kind)
    for transport in ("redis", "database", "spool"):
        SENT.labels(transport)
        FELL_BACK.labels(transport)
    for component in ("redis", "database", "spool", "dogstatsd"):
        ERRORS.labels(component)
    for status in ("success", "failure"):
        GENERATIONS.labels("none", status)  # "none": a generation without a style
    GENERATION_FAILURES.labels("none")
    GENERATION_SECONDS.labels("none")
    GENERATION_COST.labels("none")
    for step in ("prompt_building", "provider_call", "storage"):
        STEP_SECONDS.labels(step)
    for kind in ("input", "output"):
        GENERATION_TOKENS.labels(kind)


MAX_LABEL_VALUES = 50
_seen_labels = {}


def label(name, value):
    """Bound a label's cardinality: 50 distinct values per name, then "other"."""
    value = "none" if value in (None, "") else str(value)[:50]
    seen = _seen_labels.setdefault(name, set())
    if value in seen:
        return value
    if len(seen) >= MAX_LABEL_VALUES:
        return "other"
    seen.add(value)
    return value


# Other packages' per-process states read when scraped (e.g. the OG caches' bytes): collectors
# with a ``collect()``, added at import by the package that owns the state.
STATE_COLLECTORS = []


class PipelineStateCollector:
    """Queue depth and spool size, read when scraped (not counters: they are states)."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        depth = GaugeMetricFamily(
            "imprint_tracking_queue_depth", "Events waiting in Redis, by state", labels=["state"]
        )
        try:
            queued, claimed = held("tracking", self.app).queue_depth()
            depth.add_metric(["queued"], queued)
            depth.add_metric(["claimed_batches"], claimed)
        except Exception:  # Redis down or not configured: no sample rather than a wrong one
            pass
        yield depth
        size = GaugeMetricFamily("imprint_tracking_spool_bytes", "Bytes waiting in spool files")
        size.add_metric([], held("tracking", self.app).spool_bytes())
        yield size


def render_metrics(app):
    """The exposition text: process (or multiprocess) metrics plus the pipeline's state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    state = CollectorRegistry()
    state.register(PipelineStateCollector(app))
    for collector in STATE_COLLECTORS:
        state.register(collector)
    return generate_latest(registry) + generate_latest(state)


blp = Blueprint("metrics", __name__, description="Prometheus metrics")


@blp.route("/metrics", methods=["GET"])
@blp.doc(responses={
    "200": {"description": "Prometheus text exposition format",
            "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}},
    "401": {"description": "METRICS_TOKEN is set and the bearer token does not match"},
})
def metrics_view():
    """Prometheus metrics: generations, the tracking pipeline, queue depth, spool size.

    When ``METRICS_TOKEN`` is set, send it as ``Authorization: Bearer <token>``.
    """
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return Response("metrics need the METRICS_TOKEN bearer token\n", 401, mimetype="text/plain")
    return Response(render_metrics(current_app), content_type=CONTENT_TYPE_LATEST)
