"""Correlation for every request: a request id and a W3C trace context, in logs, calls and rows.

``init_app`` sets up the log format and the request hooks: a request keeps its
client's ``X-Request-ID`` (when short and printable) or gets one, continues the
client's ``traceparent`` (or starts a trace), and every response, errors and
404s included, carries ``X-Request-ID`` back.
"""

from flask import g, request

from . import context, http_metrics, tracing
from .logs import configure_logging, log_format

REQUEST_ID_HEADER = "X-Request-ID"
ENVIRON_KEY = "imprint.correlation"  # read by gunicorn's access log once the request is over


def init_app(app):
    configure_logging(app.config["LOG_LEVEL"], log_format(app.config))
    tracing.init_app(app)
    app.before_request(http_metrics.mark_start)
    app.before_request(_bind_request)
    app.after_request(_echo_request_id)
    app.after_request(http_metrics.observe)
    app.teardown_request(_unbind_request)


def init_series(app):
    """The request series of every blueprint at zero (once the blueprints are registered)."""
    http_metrics.init_series(app.blueprints)


def _bind_request():
    headers = request.headers
    correlation = context.incoming(headers.get(REQUEST_ID_HEADER), headers.get("traceparent"),
                                   headers.get("tracestate"))
    g._correlation_token = context.bind(correlation)
    request.environ[ENVIRON_KEY] = context.current()


def _echo_request_id(response):
    correlation = request.environ.get(ENVIRON_KEY)
    if correlation is not None:
        response.headers[REQUEST_ID_HEADER] = correlation.request_id
    return response


def _unbind_request(_error=None):
    token = g.pop("_correlation_token", None)
    if token is not None:
        context.unbind(token)
