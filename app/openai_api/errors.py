"""OpenAI's error shape, ``{"error": {"message", "type", "param", "code"}}``, with its status codes.

The SDKs pick their exception class from the status (400 BadRequestError,
401 AuthenticationError, 404 NotFoundError, 429 RateLimitError, 5xx
InternalServerError) and read ``param`` and ``code`` from the body. Imprint's
own statuses are mapped: 422 and 413 become 400, as OpenAI answers bad input.
``x-should-retry: false`` tells the SDKs not to retry what cannot succeed
(a spent daily quota, a provider that is not configured).
"""

import json

from flask import jsonify

KEPT_STATUSES = {400, 401, 403, 404, 405, 409, 429}
TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
         404: "invalid_request_error", 405: "invalid_request_error", 409: "invalid_request_error",
         429: "rate_limit_exceeded"}
NO_RETRY = {"x-should-retry": "false"}


class OpenAIError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(self, status, message, *, type=None, param=None, code=None, headers=None):
        super().__init__(message)
        if 400 <= status < 500 and status not in KEPT_STATUSES:
            status = 400
        self.status = status
        self.message = message
        self.type = type or TYPES.get(status, "server_error")
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self):
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def error_response(error):
    """The Flask response for an OpenAIError."""
    response = jsonify(error.body())
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def param_name(field):
    """OpenAI's name for a request field (``image[]`` is ``image``)."""
    return field[:-2] if field and field.endswith("[]") else field


def first_field_error(errors):
    """(param, message, code) of the first per-field error in smorest's ``{location: {field: [...]}}``."""
    for fields in (errors or {}).values():
        if not isinstance(fields, dict):
            continue
        for field, problems in fields.items():
            while isinstance(problems, dict):  # nested: {"tags": {"0": ["Not a string."]}}
                problems = next(iter(problems.values()), [])
            problem = problems[0] if isinstance(problems, list) and problems else str(problems)
            name = param_name(field)
            if field == "_schema":
                return None, str(problem), None
            if problem == "Unknown field.":
                return name, f"Unrecognized request argument supplied: {name}", "unknown_parameter"
            if problem == "Missing data for required field.":
                return name, f"Missing required parameter: '{name}'.", "missing_required_parameter"
            return name, f"Invalid value for '{name}': {problem}", "invalid_value"
    return None, None, None


def from_http(status, message, errors=None, headers=None):
    """An HTTP error (validation, auth, rate limit, routing, size) in OpenAI's terms."""
    param, field_message, code = first_field_error(errors)
    message = field_message or message or "request failed"
    if status == 401:
        return OpenAIError(401, message, code="invalid_api_key", headers=headers)
    if status == 429:
        return OpenAIError(429, f"Rate limit reached: {message}", code="rate_limit_exceeded", headers=headers)
    if status == 404:
        return OpenAIError(404, message, code="not_found", headers=headers)
    if status == 413:
        return OpenAIError(400, message, param=param, code="request_too_large", headers=headers)
    if status >= 500:
        return OpenAIError(status, message, code=None, headers=headers)
    return OpenAIError(status, message, param=param, code=code, headers=headers)


def from_request_error(error, param=None):
    """A RequestError from the pipeline (4xx before anything was written; 503 misconfiguration)."""
    param = param or param_name(error.field)
    if error.status == 429 and "budget" in error.detail:  # retrying before the period resets will not help
        return OpenAIError(429, error.message, type="insufficient_quota", code="budget_exceeded",
                           headers={**error.headers, **NO_RETRY})
    if error.status == 429:  # the daily quota: retrying today will not help
        return OpenAIError(429, error.message, type="insufficient_quota", code="insufficient_quota",
                           headers={**error.headers, **NO_RETRY})
    if error.status == 409:
        return OpenAIError(409, error.message, param=param, code="request_in_progress", headers=error.headers)
    if error.status == 404:
        return OpenAIError(404, error.message, param=param, code="not_found", headers=error.headers)
    if error.status >= 500:
        return OpenAIError(error.status, error.message, code="provider_not_configured",
                           headers={**error.headers, **NO_RETRY})
    return OpenAIError(error.status, error.message, param=param, code="invalid_value", headers=error.headers)


def from_generation_failed(error):
    """A generation that failed (its failed record exists), as the SDKs expect it:

    the caller's fields and content policy → 400 (BadRequestError, not retried), upstream
    rate limits → 429 (RateLimitError, retried), our misconfiguration → 503 not retried,
    outages → 502/504 retried.
    """
    body = error.body or {}
    kind, message = body.get("error_kind"), body.get("message") or "image generation failed"
    headers = {**error.headers, "x-should-retry": "true" if body.get("retryable") else "false"}
    if body.get("id"):
        headers["Imprint-Record-Id"] = body["id"]
    if kind == "refused":
        return OpenAIError(400, message, param="prompt", code=body.get("provider_code") or "content_policy_violation",
                           headers=headers)
    if kind == "invalid_request":
        return OpenAIError(400, message, param=body.get("field"), code=body.get("provider_code") or "invalid_value",
                           headers=headers)
    if kind == "rate_limited":
        return OpenAIError(429, message, code="upstream_rate_limited", headers=headers)
    return OpenAIError(error.status, message, type="server_error", code=kind, headers=headers)


def convert_app_error(response):
    """Rewrite an app-shaped JSON error (``{"code", "status", "message", "errors"}``) in place."""
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or "error" in body or "message" not in body:
        return response
    error = from_http(response.status_code, body.get("message"), body.get("errors"))
    response.set_data(json.dumps(error.body()))
    response.status_code = error.status
    response.mimetype = "application/json"
    for name, value in error.headers.items():
        response.headers[name] = value
    return response
