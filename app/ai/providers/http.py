"""One HTTP client for every provider: timeouts, retries with backoff on 429/5xx, Retry-After."""

import logging
import time
from email.utils import parsedate_to_datetime

import requests

from .base import ProviderError

log = logging.getLogger(__name__)


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


def default_classify(response):
    """A ProviderError for a non-2xx answer, from its status alone."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    text = response.text[:300]
    if status == 429:
        return ProviderError("rate_limited", f"rate limited: {text}", retry_after=retry_after, provider_status=status)
    if status >= 500:
        return ProviderError("unavailable", f"provider error {status}: {text}", retry_after=retry_after,
                             provider_status=status)
    return ProviderError("rejected", f"provider rejected the request ({status}): {text}", provider_status=status)


class ProviderHttp:
    def __init__(self, provider, *, timeout=120.0, retries=2, backoff=1.0, max_backoff=20.0, session=None):
        self.provider = provider
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.session = session or requests.Session()

    def request(self, method, url, *, classify=default_classify, **kwargs):
        """Send; retry retryable failures with exponential backoff; return the 2xx response."""
        attempt = 0
        while True:
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout as error:
                failure = ProviderError("timeout", f"{self.provider} did not answer in {self.timeout:g}s: {error}")
            except requests.RequestException as error:
                failure = ProviderError("unavailable", f"{self.provider} unreachable: {error}")
            else:
                if response.ok:
                    return response
                failure = classify(response)
            if not failure.retryable or attempt >= self.retries:
                raise failure
            wait = failure.retry_after if failure.retry_after is not None else self.backoff * 2 ** attempt
            wait = min(wait, self.max_backoff)
            log.info("%s: %s; retry %d/%d in %.2fs", self.provider, failure.kind, attempt + 1, self.retries, wait)
            time.sleep(wait)
            attempt += 1

    def json(self, response):
        try:
            return response.json()
        except ValueError as error:
            raise ProviderError("bad_response", f"{self.provider} answered with invalid JSON") from error
