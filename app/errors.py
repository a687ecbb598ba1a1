"""Every error is JSON: ``{"code", "status", "message", "errors"?}``.

flask-smorest already renders HTTP errors this way (unknown routes, wrong
methods, oversize bodies, malformed JSON, validation); this adds the two
that are not HTTP errors: the database being away (503, retry) and bugs (500).
"""

import json
import logging

from flask import jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def error_response(code, status, message, errors=None, headers=None):
    body = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_errors(app):
    api = app.extensions["api"]

    @app.errorhandler(HTTPException)
    def http_error(error):
        # flask-smorest's rendering, plus a message on every error (werkzeug's
        # description when the view gave none: "The requested URL was not found…").
        response = app.make_response(api.handle_http_exception(error))
        body = response.get_json(silent=True)
        if isinstance(body, dict) and ("message" not in body or body.get("errors", {}) is None):
            body.setdefault("message", error.description or error.name)
            if body.get("errors", {}) is None:
                del body["errors"]  # "no per-field errors" is an absent key, never null
            response.set_data(json.dumps(body))
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() not in ("content-type", "content-length"):
                response.headers.setdefault(name, value)
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        return _database_unavailable(error)

    @app.errorhandler(DBAPIError)
    def database_error(error):
        if error.connection_invalidated or isinstance(error, OperationalError):
            return _database_unavailable(error)
        return internal_error(error)

    @app.errorhandler(Exception)
    def internal_error(error):
        from app.extensions import db

        log.exception("unhandled error")
        db.session.rollback()
        return error_response(500, "Internal Server Error", "an internal error occurred; it has been logged")


def _database_unavailable(error):
    from app.extensions import db

    log.warning("database unavailable: %s", error.orig if hasattr(error, "orig") else error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing to roll back
        pass
    return error_response(
        503,
        "Service Unavailable",
        "the database is unavailable; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
