"""Fixtures for the tracking pipeline: apps with a route that records an event."""

import pytest
from flask import Blueprint, jsonify, request

from app.tracking import record

# A route for tests only: what a feature's view does with an event.
record_blp = Blueprint("tracking_test", __name__)
CLOSED_RESPONSES = set()  # ids of events whose response the WSGI server closed


@record_blp.post("/_test/record/<kind>")
def record_view(kind):
    count = int(request.args.get("count", 1))
    ids = [record(kind, **(request.get_json() or {})) for _ in range(count)]
    response = jsonify(ids=[str(i) if i else None for i in ids])
    response.call_on_close(lambda: CLOSED_RESPONSES.update(i for i in ids if i))
    return response


@pytest.fixture
def tracked_app(app, make_app, tmp_path):
    """Build apps with the test route; tables are emptied after the test (via ``app``)."""

    def build(**settings):
        settings.setdefault("TRACKING_SPOOL_PATH", str(tmp_path / "spool" / "tracking-spool.jsonl"))
        built = make_app(**settings)
        built.register_blueprint(record_blp)
        return built

    return build
