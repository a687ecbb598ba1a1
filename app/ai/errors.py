"""Errors the AI service raises; views turn them into JSON answers."""


class RequestError(Exception):
    """A 4xx before anything was written: the field that is wrong, and why (``detail``: more of the body)."""

    def __init__(self, status, message, field=None, headers=None, detail=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.detail = detail or {}


class GenerationFailed(Exception):
    """A generation that was attempted and failed; its record (status='failed') exists.

    ``body`` is the JSON answer: message, ``retryable``, the failed record's id.
    """

    def __init__(self, status, body, headers=None):
        super().__init__(body.get("message"))
        self.status = status
        self.body = body
        self.headers = headers or {}
