"""Requests by blueprint and status class, and their duration: the series of error-rate and latency alerts."""

import time

from flask import request
from prometheus_client import Counter, Histogram

REQUESTS = Counter("imprint_http_requests_total", "HTTP answers, by blueprint and status class",
                   ["blueprint", "status"])
SECONDS = Histogram("imprint_http_request_duration_seconds", "Time from the request's start to its answer",
                    ["blueprint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
START_KEY = "imprint.started"


def init_series(blueprints):
    """Every blueprint's series at zero from the start, so that ``rate()`` sees the first burst."""
    for name in (*blueprints, "none"):
        SECONDS.labels(name)
        for status in STATUS_CLASSES:
            REQUESTS.labels(name, status)


def mark_start():
    request.environ[START_KEY] = time.perf_counter()


def observe(response):
    started = request.environ.get(START_KEY)
    if started is not None:
        blueprint = request.blueprint or "none"
        REQUESTS.labels(blueprint, f"{min(response.status_code // 100, 5)}xx").inc()
        SECONDS.labels(blueprint).observe(time.perf_counter() - started)
    return response
