"""Log lines for machines or for a terminal: one JSON object a line, or plain text.

Every handler on the root logger gets the same formatter and two filters:
the correlation (request id, trace, user, job) and the secret redaction.
gunicorn's access and error logs use the same pieces through
``gunicorn_logconfig`` (``gunicorn.conf.py``), so every line on stderr has
one shape whichever process wrote it.
"""

import json
import logging
import sys
import threading
import traceback
from datetime import UTC, datetime

from app.security.redact import RedactSecrets, redact

from . import context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# LogRecord's own attributes: anything else on a record came through ``extra=`` and is a field.
RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "fields"}
CORRELATION_FIELDS = ("request_id", "trace_id", "span_id", "user_id", "job_id")


def log_format(config):
    """``json`` or ``text``: ``LOG_FORMAT``, by default JSON in production and text locally."""
    chosen = (config.get("LOG_FORMAT") or "").lower()
    if chosen in ("json", "text"):
        return chosen
    return "json" if config.get("IMPRINT_ENV") == "production" else "text"


def rfc3339(created):
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AddCorrelation(logging.Filter):
    """Puts the current request id, trace and span, user and job on the record (when there are some)."""

    def filter(self, record):
        for name, value in context.current().log_fields().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, msg, correlation, ``extra`` fields, exception."""

    def format(self, record):
        line = {"time": rfc3339(record.created), "level": record.levelname, "logger": record.name,
                "msg": record.getMessage(), "pid": record.process}
        for name, value in record.__dict__.items():
            if name not in RESERVED and not name.startswith("_") and value is not None:
                line[name] = value
        line.update(getattr(record, "fields", None) or {})
        for name, value in line.items():  # a provider's error text in a field is masked like the message
            if isinstance(value, str) and name != "msg":
                line[name] = redact(value)
        if record.exc_info:
            line["exception"] = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """The terminal's line; a record's structured ``fields`` follow the message as JSON."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record):
        text = super().formatMessage(record)
        fields = getattr(record, "fields", None)
        return f"{text} {json.dumps(fields, default=str, separators=(',', ':'))}" if fields else text


def make_formatter(fmt):
    return JsonFormatter() if fmt == "json" else TextFormatter()


def equip(handler, fmt):
    """Give ``handler`` the formatter of ``fmt`` and the correlation and redaction filters (idempotent)."""
    handler.setFormatter(make_formatter(fmt))
    for kind in (AddCorrelation, RedactSecrets):
        if not any(isinstance(f, kind) for f in handler.filters):
            handler.addFilter(kind())
    return handler


def configure_logging(level, fmt):
    """Root logging to stderr in ``fmt``; an existing handler (pytest's, gunicorn's) is re-dressed, not doubled."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # pytest's capture keeps its own format
        equip(handler, fmt)
    root.setLevel(level)
    if fmt == "json":  # nothing else reaches stderr as bare text: warnings and uncaught errors become lines too
        logging.captureWarnings(True)
        threading.excepthook = _log_thread_exception


def _log_thread_exception(args):
    if args.exc_type is not SystemExit:
        logging.getLogger("imprint.uncaught").critical(
            "uncaught exception in thread %s", getattr(args.thread, "name", "?"),
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def gunicorn_logconfig(fmt, access_log=True):
    """gunicorn's ``logconfig_dict``: its error and access logs on stderr in ``fmt``."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": fmt,
               "filters": ["correlation", "redact"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}, "text": {"()": TextFormatter}},
        "filters": {"correlation": {"()": AddCorrelation}, "redact": {"()": RedactSecrets}},
        "handlers": {"stderr": handler},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"] if access_log else [], "propagate": False},
        },
    }
