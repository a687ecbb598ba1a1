"""The provider interface: a request in, image bytes out, or a ProviderError that says what to do."""

import math
from dataclasses import dataclass, field


def nearest_ratio(width, height, ratios):
    """The "W:H" name in ``ratios`` closest in shape to width x height."""
    def distance(name):
        w, h = (int(v) for v in name.split(":"))
        return abs(math.log(w / h) - math.log(width / height))

    return min(ratios, key=distance)


@dataclass
class ProviderRequest:
    prompt: str
    width: int = 1024
    height: int = 1024
    n: int = 1
    negative_prompt: str | None = None
    quality: str | None = None
    style: str | None = None
    aspect_ratio: str | None = None
    model: str | None = None
    reference_images: list = field(default_factory=list)  # encoded image bytes
    seed: int | None = None
    output_format: str | None = None  # png, jpeg, webp: what the caller will store
    background: str | None = None  # transparent, opaque, auto (GPT image models)
    moderation: str | None = None  # low, auto (GPT image models)
    output_compression: int | None = None  # 0-100, jpeg/webp from GPT image models
    call_id: str | None = None  # the job this call belongs to, for a server that can cancel by it (ComfyUI)

    @property
    def size(self):
        return f"{self.width}x{self.height}"


@dataclass
class ProviderImage:
    data: bytes | None  # encoded bytes from a remote provider
    mime_type: str = "image/png"
    revised_prompt: str | None = None
    image: object = None  # a PIL image, from local renderers (no encode/decode round trip)
    source: bytes | None = None  # an edit's source image (encoded): its manifest's parent ingredient


@dataclass
class ProviderResult:
    images: list
    model: str
    tokens: dict = field(default_factory=dict)  # e.g. {"input": 120, "output": 4160}
    info: dict = field(default_factory=dict)  # provider-specific facts worth keeping (seed, …)


class ProviderError(Exception):
    """A provider call that failed; ``kind`` says whose fault it is and what the client should do.

    invalid_request  the provider refused a field the caller sent          → 400 + field, do not retry
    refused          the provider declined the prompt (safety, policy)     → 400 content_policy_violation
    rate_limited     too many requests upstream                            → 503 + Retry-After, retry
    quota            billing/quota exhausted                               → 503, retrying will not help
    unavailable      5xx or connection failure                             → 502 (+ Retry-After when known)
    timeout          no answer in time                                     → 504, retry
    misconfigured    no URL or key, or the provider refused our key (401/403) → 503, ``flask doctor`` says why
    rejected         the provider refused our request for another reason  → 502, do not retry
    bad_response     the answer could not be read                          → 502, retry
    """

    STATUS = {
        "invalid_request": (400, False), "refused": (400, False), "rate_limited": (503, True),
        "quota": (503, False), "unavailable": (502, True), "timeout": (504, True), "rejected": (502, False),
        "misconfigured": (503, False), "bad_response": (502, True),
    }

    def __init__(self, kind, message, *, retry_after=None, provider_status=None, code=None, field=None):
        super().__init__(message)
        self.kind = kind if kind in self.STATUS else "bad_response"
        self.message = message
        self.retry_after = retry_after
        self.provider_status = provider_status
        self.code = code
        self.field = field  # the request field the provider named (invalid_request)

    def reword(self, message, *, code=None, field=None):
        """The same failure told in the provider's own words (its message, code and field)."""
        self.message = message
        self.args = (message,)
        self.code = code if code is not None else self.code
        self.field = field if field is not None else self.field
        return self

    @property
    def http_status(self):
        return self.STATUS[self.kind][0]

    @property
    def retryable(self):
        return self.STATUS[self.kind][1]


class UnsupportedOption(ValueError):
    """A request the provider's model cannot take, found before any call: ``field`` and why (a 4xx)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class Provider:
    """One image provider. ``is_ai`` is False for the offline procedural renderer."""

    name = "abstract"
    is_ai = True
    default_model = None
    supports_edit = False

    def __init__(self, config, http=None):
        self.config = config
        self.http = http

    def check(self, request, *, edit=False):
        """Raise UnsupportedOption for what the model would refuse; called before anything is written."""

    def generate(self, request):  # -> ProviderResult
        raise NotImplementedError

    def edit(self, request, image):  # -> ProviderResult
        raise ProviderError("rejected", f"provider {self.name} does not edit images")
