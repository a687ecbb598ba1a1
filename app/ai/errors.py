"""Errors the AI service raises; views turn them into JSON answers.

``RequestError`` (a 4xx before anything was written) is the application's own, answered
the same way by every blueprint (``app.errors``).
"""

from app.errors import RequestError

__all__ = ["GenerationFailed", "RequestError"]


class GenerationFailed(Exception):
    """A generation that was attempted and failed; its record (status='failed') exists.

    ``body`` is the JSON answer: message, ``retryable``, the failed record's id.
    """

    def __init__(self, status, body, headers=None):
        super().__init__(body.get("message"))
        self.status = status
        self.body = body
        self.headers = headers or {}
