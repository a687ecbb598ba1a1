"""Every error is JSON: ``{"code", "status", "message", "errors"?}``.

flask-smorest already renders HTTP errors this way (unknown routes, wrong
methods, oversize bodies, malformed JSON, validation); this adds the two
that are not HTTP errors: the database being away (503, retry) and bugs (500).
"""

import json
import logging

from flask import jsonify
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
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

    @app.errorhandler(PendingRollbackError)
    def connection_cut(error):
        # "8s2b": the connection was invalidated inside the transaction (the server
        # restarted, and an earlier error was swallowed, e.g. an optional lookup).
        if error.code == "8s2b":
            return _database_unavailable(error)
        return internal_error(error)

    @app.errorhandler(Exception)
    def internal_error(error):
        log.exception("unhandled error")
        _rollback()
        return error_response(500, "Internal Server Error", "an internal error occurred; it has been logged")

    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_remove_session)


def _rollback():
    from app.extensions import db

    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone; nothing to roll back
        pass


def _remove_session(_error):
    """End the request's session; a connection the database cut meanwhile must not turn the answer into a 500.

    A PostgreSQL restart terminates sessions (AdminShutdown): ending a
    transaction that a read left open then raises from the teardown, after the
    view has answered, and the WSGI server would send a bare 500 instead.
    """
    from app.extensions import db

    try:
        db.session.remove()
    except DBAPIError as error:
        log.warning("database connection lost at the end of the request: %s", getattr(error, "orig", error))
        db.session.registry.clear()  # drop the broken session; the pool replaces its connection


def _database_unavailable(error):
    log.warning("database unavailable: %s", error.orig if hasattr(error, "orig") else error)
    _rollback()
    return error_response(
        503,
        "Service Unavailable",
        "the database is unavailable; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
