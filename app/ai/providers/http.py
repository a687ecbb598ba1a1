"""One HTTP client for every provider: timeouts, and retries only where a retry cannot bill twice.

A request is retried when it provably never reached the provider (the
connection could not be made) or when the provider answered 429 or 5xx. A
request that was sent and then timed out or lost its connection may be
running and billed upstream: it is never sent again.
"""

import logging
import time
from email.utils import parsedate_to_datetime

import requests
from urllib3.exceptions import NewConnectionError

from app.observability import context

from .base import ProviderError

log = logging.getLogger(__name__)

sleep = time.sleep  # the retry wait (a module name, so a test can watch the waits)
CONNECT_TIMEOUT = 10.0  # seconds to open the connection; the read timeout is the provider's own setting


def parse_retry_after(value):
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def retry_delay(response):
    """Seconds the answer asks us to wait: ``retry-after-ms`` (OpenAI) before ``Retry-After``."""
    try:
        milliseconds = float(response.headers.get("retry-after-ms") or "")
    except ValueError:
        return parse_retry_after(response.headers.get("Retry-After"))
    return max(0.0, milliseconds / 1000)


CALLER_STATUSES = {400, 413, 422}  # the provider refused what was asked: the caller's to fix
CREDENTIAL_STATUSES = {401, 403}  # the provider refused our key: the operator's to fix


def default_classify(response):
    """A ProviderError for a non-2xx answer, from its status alone."""
    status = response.status_code
    retry_after = retry_delay(response)
    text = response.text[:300]
    if status == 429:
        return ProviderError("rate_limited", f"rate limited: {text}", retry_after=retry_after, provider_status=status)
    if status >= 500:
        return ProviderError("unavailable", f"provider error {status}: {text}", retry_after=retry_after,
                             provider_status=status)
    if status in CALLER_STATUSES:
        return ProviderError("invalid_request", f"the provider refused the request ({status}): {text}",
                             provider_status=status)
    if status in CREDENTIAL_STATUSES:
        return ProviderError("misconfigured", f"the provider refused our credentials ({status}): {text}",
                             provider_status=status)
    return ProviderError("rejected", f"provider rejected the request ({status}): {text}", provider_status=status)


def never_sent(error):
    """True when the request cannot have reached the server: the connection was never made."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError) and not isinstance(error, requests.ReadTimeout):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, NewConnectionError)
    return False


class ProviderHttp:
    def __init__(self, provider, *, timeout=300.0, retries=2, backoff=1.0, max_backoff=20.0, session=None):
        self.provider = provider
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.session = session or requests.Session()

    def request(self, method, url, *, classify=default_classify, **kwargs):
        """Send; retry what is safe to retry (see the module docstring); return the 2xx response."""
        # The provider sees our trace (W3C traceparent): its logs and ours join on the trace id.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **context.outgoing_headers()}
        attempt = 0
        while True:
            safe_to_retry = True
            try:
                response = self.session.request(method, url, timeout=(min(CONNECT_TIMEOUT, self.timeout),
                                                                      self.timeout), **kwargs)
            except requests.RequestException as error:
                failure, safe_to_retry = self._failure(error), never_sent(error)
            else:
                if response.ok:
                    return response
                failure = classify(response)
            asked = failure.retry_after
            wait = asked if asked is not None else min(self.backoff * 2 ** attempt, self.max_backoff)
            # A wait longer than we would hold the request goes back to the client as Retry-After.
            if not (failure.retryable and safe_to_retry) or attempt >= self.retries or wait > self.max_backoff:
                raise failure
            log.info("%s: %s; retry %d/%d in %.2fs", self.provider, failure.kind, attempt + 1, self.retries, wait)
            sleep(wait)
            attempt += 1

    def _failure(self, error):
        if isinstance(error, requests.ConnectTimeout):
            return ProviderError("unavailable", f"{self.provider} did not accept a connection: {error}")
        if isinstance(error, requests.Timeout):
            return ProviderError("timeout", f"{self.provider} did not answer in {self.timeout:g}s; the request "
                                 "was sent and may still run (not retried, so it is not billed twice)")
        if never_sent(error):
            return ProviderError("unavailable", f"{self.provider} unreachable: {error}")
        return ProviderError("unavailable", f"{self.provider} dropped the connection after the request was sent "
                             f"(not retried): {error}")

    def json(self, response):
        try:
            return response.json()
        except ValueError as error:
            raise ProviderError("bad_response", f"{self.provider} answered with invalid JSON") from error
