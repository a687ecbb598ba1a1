"""OpenAI Images API (and any server that speaks it, via ``OPENAI_BASE_URL``).

``POST {base}/images/generations`` with JSON; ``POST {base}/images/edits``
multipart. Answers ``{"created", "data": [{"b64_json"|"url", "revised_prompt"}],
"usage"}``; errors ``{"error": {"message", "type", "param", "code"}}``.
"""

import base64

from .base import Provider, ProviderError, ProviderImage, ProviderResult, UnsupportedOption
from .http import default_classify, retry_delay
from .openai_models import check_request, fit_request

REFUSAL_CODES = {"content_policy_violation", "moderation_blocked", "safety_violation"}
BILLING_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"}


def classify(response):
    """Read OpenAI's error body: refusals, quota and rate limits told apart."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code, kind_name = error.get("code") or "", error.get("type") or ""
    message = error.get("message") or response.text[:300]
    if code in REFUSAL_CODES or kind_name == "image_generation_user_error":
        return ProviderError("refused", f"openai refused the prompt: {message}", code=code,
                             provider_status=response.status_code)
    if code in BILLING_CODES or kind_name in BILLING_CODES:
        return ProviderError("quota", f"openai billing limit: {message}", code=code or kind_name,
                             provider_status=response.status_code)
    failure = default_classify(response).reword(f"openai: {message}", code=code or None,
                                                 field=error.get("param") or None)
    failure.retry_after = retry_delay(response)
    return failure


class OpenAIProvider(Provider):
    name = "openai"
    supports_edit = True

    @property
    def default_model(self):
        return self.config.get("OPENAI_IMAGE_MODEL") or "gpt-image-1.5"

    def _headers(self):
        key = self.config.get("OPENAI_API_KEY")
        if not key:
            raise ProviderError("misconfigured", "provider openai needs OPENAI_API_KEY")
        return {"Authorization": f"Bearer {key}"}

    def _url(self, path):
        return self.config.get("OPENAI_BASE_URL", "https://api.openai.com/v1").rstrip("/") + path

    def check(self, request, *, edit=False):
        check_request(request.model or self.default_model, request, edit=edit)

    def generate(self, request):
        return self._run(request, "/images/generations")

    def edit(self, request, image, mask=None):
        """``POST /images/edits``: the image (and optional PNG mask) as multipart files, the rest as form fields."""
        files = {"image": ("image.png", image, "image/png")}
        if mask is not None:
            files["mask"] = ("mask.png", mask, "image/png")
        return self._run(request, "/images/edits", files)

    def _run(self, request, path, files=None):
        """One call, or several when the model makes fewer images a call than asked (dall-e-3: one)."""
        model = request.model or self.default_model
        headers = self._headers()
        try:
            fields, calls, warnings = fit_request(model, request, edit=files is not None)
        except UnsupportedOption as error:  # checked at planning; a direct caller gets the same answer
            raise ProviderError("rejected", f"{error.field}: {error.message}", code="unsupported_option") from error
        images, usage, answered, failed = [], [], {}, None
        for _ in range(calls):
            try:
                if files is None:
                    response = self.http.request("POST", self._url(path), classify=classify, json=fields,
                                                 headers=headers)
                else:
                    response = self.http.request("POST", self._url(path), classify=classify, headers=headers,
                                                 data={k: str(v) for k, v in fields.items()}, files=files)
            except ProviderError as error:
                if not images:
                    raise
                failed = f"{len(images)} of {request.n} images made; then {error.message}"
                break  # the images already made (and billed) are kept
            body = self.http.json(response)
            images.extend(self._images(body))
            if body.get("usage"):
                usage.append(body["usage"])
            answered = {k: body[k] for k in ("size", "quality", "background", "output_format") if body.get(k)}
        info = {"size": answered.get("size", fields["size"]), "quality": answered.get("quality", fields.get("quality")),
                "calls": calls, **({"warnings": warnings} if warnings else {}), **({"failed": failed} if failed else {}),
                **({"background": answered["background"]} if "background" in answered else {})}
        return ProviderResult(images[: request.n], model, tokens=sum_usage(usage), info=info)

    def _images(self, body):
        images = []
        for item in body.get("data") or []:
            if item.get("b64_json"):
                data = base64.b64decode(item["b64_json"])
            elif item.get("url"):
                data = self.http.request("GET", item["url"]).content
            else:
                continue
            images.append(ProviderImage(data, revised_prompt=item.get("revised_prompt")))
        if not images:
            raise ProviderError("bad_response", "openai answered without an image")
        return images


def sum_usage(usages):
    """OpenAI's ``usage`` objects added up: totals and the text/image split of input and output."""
    tokens = {}

    def add(name, value):
        if isinstance(value, int) and not isinstance(value, bool):
            tokens[name] = tokens.get(name, 0) + value

    for usage in usages:
        add("input", usage.get("input_tokens"))
        add("output", usage.get("output_tokens"))
        details_in = usage.get("input_tokens_details") or {}
        add("input_text", details_in.get("text_tokens"))
        add("input_image", details_in.get("image_tokens"))
        details_out = usage.get("output_tokens_details") or {}
        add("output_text", details_out.get("text_tokens"))
        add("output_image", details_out.get("image_tokens"))
    return tokens
