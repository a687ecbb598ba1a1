"""Every error is JSON: ``{"code", "status", "message", "errors"?}``.

flask-smorest already renders HTTP errors this way (unknown routes, wrong
methods, oversize bodies, malformed JSON, validation); this adds the two
that are not HTTP errors: the database or Redis being away (503, retry) and bugs (500).

One rule for request validation: ``message`` names each field and its problem
(``errors`` keeps the detail per location), a bad or unknown query parameter is
a 400 everywhere, a body its schema refuses a 422.
"""

import json
import logging
from http import HTTPStatus

import redis
from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.extensions import held

try:  # the production server's body reader raises its own errors for a malformed chunked body
    from gunicorn.http.errors import ParseException as ServerBodyError
except ImportError:  # gunicorn is the ``server`` extra; other servers raise OSError (app/security/text_input.py)
    ServerBodyError = None

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MAX_PROBLEMS = 10  # named in an error body; the rest are counted


class RequestError(Exception):
    """A 4xx before anything was written: the field that is wrong, and why (``detail``: more of the body)."""

    def __init__(self, status, message, field=None, headers=None, detail=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.detail = detail or {}


def error_response(code, status, message, errors=None, headers=None, detail=None):
    body = {"code": code, "status": status, "message": message, **(detail or {})}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def describe_problems(errors):
    """``{"query": {"limit": ["Must be…"]}}`` → ``"limit: Must be…"``, one clause per field."""
    clauses = []

    def walk(path, problems, location):
        if isinstance(problems, dict):
            for key, nested in problems.items():
                walk(path + [str(key)] if key != "_schema" else path, nested, location)
            return
        for problem in problems if isinstance(problems, list) else [problems]:
            if problem == "Unknown field.":
                problem = f"unknown {'query parameter' if location == 'query' else 'field'}"
            clauses.append(f"{'.'.join(path) or location}: {problem}")

    for location, fields in (errors or {}).items():
        walk([], fields, location)
    return "; ".join(clauses)


def first_problems(errors, limit=MAX_PROBLEMS):
    """(the first ``limit`` problems of a nested error map, in the same shape; how many there were).

    However many items a client got wrong, the answer names a few and counts
    the rest: the error body stays small. Walks with a stack, not recursion."""
    kept, total = {}, 0
    stack = [(errors, kept, key) for key in reversed(list(errors))]
    while stack:
        source, target, key = stack.pop()
        value = source[key]
        if isinstance(value, dict):
            target[key] = {}
            stack.extend((value, target[key], child) for child in reversed(list(value)))
            continue
        problems = value if isinstance(value, list) else [value]
        room = max(limit - total, 0)
        total += len(problems)
        if room:
            target[key] = problems[:room] if isinstance(value, list) else value
    return _prune(kept), total


def _prune(tree):
    """Drop the branches left empty once the problems beyond the limit are cut."""
    for key in list(tree):
        if isinstance(tree[key], dict):
            _prune(tree[key])
            if not tree[key]:
                del tree[key]
    return tree


def refuse_unknown_parameters():
    """webargs ignores query parameters a schema does not name, and a multipart body's form fields
    when the schema reads its files; the API refuses both, naming them, as it does a JSON body's.

    Set on the parser flask-smorest's blueprints share (the OG card URLs have their own,
    which keeps ignoring ``utm_*`` and cache-busters)."""
    parser = Blueprint.ARGUMENTS_PARSER
    parser.DEFAULT_UNKNOWN_BY_LOCATION = {**type(parser).DEFAULT_UNKNOWN_BY_LOCATION,
                                          "query": RAISE, "querystring": RAISE, "files": RAISE}
    parser.location_loader("files")(_form_and_files)


def _form_and_files(request, schema):
    """An upload's files and the form fields sent with it: one multipart body."""
    return MultiDictProxy(CombinedMultiDict([request.form, request.files]), schema)


def _validation_answer(code, body, error):
    """(code, body) of a validation error: the fields named in ``message``; query problems a 400."""
    errors = body.get("errors")
    if not isinstance(errors, dict) or not errors:
        return code, body
    if code == 422 and set(errors) <= {"query", "querystring"}:
        code = 400
        body.update(code=400, status=HTTPStatus(400).phrase)
    errors, total = first_problems(errors)
    body["errors"] = errors
    generic = {type(error).description, HTTPStatus(code).description, None, ""}
    if body.get("message") in generic:
        body["message"] = describe_problems(errors) or body.get("message")
    if total > MAX_PROBLEMS:
        body["message"] = f"{body['message']}; and {total - MAX_PROBLEMS} more problems"
        body["problem_count"] = total
    return code, body


def init_errors(app):
    api = held("api", app)
    refuse_unknown_parameters()

    @app.errorhandler(HTTPException)
    def http_error(error):
        # flask-smorest's rendering, plus a message on every error (werkzeug's
        # description when the view gave none: "The requested URL was not found…").
        response = app.make_response(api.handle_http_exception(error))
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            body.setdefault("message", error.description or error.name)
            if body.get("errors", {}) is None:
                del body["errors"]  # "no per-field errors" is an absent key, never null
            response.status_code, body = _validation_answer(response.status_code, body, error)
            response.set_data(json.dumps(body))
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() not in ("content-type", "content-length"):
                response.headers.setdefault(name, value)
        return response

    if ServerBodyError is not None:
        @app.errorhandler(ServerBodyError)
        def unreadable_body(error):
            return unreadable_body_response(error)

    @app.errorhandler(RequestError)
    def request_error(error):
        errors = {"json": {error.field: [error.message]}} if error.field else None
        return error_response(error.status, HTTP_STATUS_CODES.get(error.status, "Error"), error.message,
                              errors=errors, headers=error.headers, detail=error.detail)

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

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    def redis_unavailable(error):
        log.warning("redis unavailable: %s", error)
        _rollback()
        return error_response(503, "Service Unavailable", "Redis is unavailable; retry shortly",
                              headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(Exception)
    def internal_error(error):
        log.exception("unhandled error")
        _rollback()
        return error_response(500, "Internal Server Error", "an internal error occurred; it has been logged")

    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_remove_session)


def unreadable_body_response(error):
    """A body the server could not read (a bad chunk size, a truncated chunk): the client's mistake, a 400.

    The connection is closed: what follows the bad chunk cannot be trusted to be the next request."""
    log.info("unreadable request body: %s", error)
    return error_response(400, "Bad Request", f"the request body could not be read: {error.__class__.__name__}",
                          errors={"body": {"_body": [str(error)[:200] or error.__class__.__name__]}},
                          headers={"Connection": "close"})


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
