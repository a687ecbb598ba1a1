"""OpenAI Images API (and any server that speaks it, via ``OPENAI_BASE_URL``).

``POST {base}/images/generations`` with JSON; ``POST {base}/images/edits``
multipart. Answers ``{"created", "data": [{"b64_json"|"url", "revised_prompt"}],
"usage"}``; errors ``{"error": {"message", "type", "param", "code"}}``.
"""

import base64

from .base import Provider, ProviderError, ProviderImage, ProviderResult
from .http import default_classify, parse_retry_after

REFUSAL_CODES = {"content_policy_violation", "moderation_blocked", "safety_violation"}
DALL_E = ("dall-e-2", "dall-e-3")
# What each model accepts; other values are mapped to the nearest (and recorded as sent).
QUALITY = {
    "gpt-image-1": {"low": "low", "medium": "medium", "high": "high", "auto": "auto", "standard": "medium", "hd": "high"},
    "dall-e-3": {"low": "standard", "medium": "standard", "standard": "standard", "high": "hd", "hd": "hd"},
}
SIZES = {
    "gpt-image-1": ("1024x1024", "1536x1024", "1024x1536"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
}


def nearest_size(model, width, height):
    """The model's supported size closest in shape (then area) to width x height."""
    sizes = SIZES.get(model)
    if not sizes or f"{width}x{height}" in sizes:
        return f"{width}x{height}"

    def distance(size):
        w, h = (int(v) for v in size.split("x"))
        return abs(w / h - width / height), abs(w * h - width * height)

    return min(sizes, key=distance)


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
    if code == "insufficient_quota" or kind_name == "insufficient_quota":
        return ProviderError("quota", f"openai quota exhausted: {message}", code=code,
                             provider_status=response.status_code)
    failure = default_classify(response)
    failure.message = f"openai: {message}"
    failure.args = (failure.message,)
    failure.code = code or None
    failure.retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return failure


class OpenAIProvider(Provider):
    name = "openai"
    supports_edit = True

    @property
    def default_model(self):
        return self.config.get("OPENAI_IMAGE_MODEL") or "gpt-image-1"

    def _headers(self):
        key = self.config.get("OPENAI_API_KEY")
        if not key:
            raise ProviderError("misconfigured", "provider openai needs OPENAI_API_KEY")
        return {"Authorization": f"Bearer {key}"}

    def _url(self, path):
        return self.config.get("OPENAI_BASE_URL", "https://api.openai.com/v1").rstrip("/") + path

    def _fields(self, request, model):
        fields = {"model": model, "prompt": request.prompt, "n": request.n,
                  "size": nearest_size(model, request.width, request.height)}
        quality = QUALITY.get(model, {}).get(request.quality, request.quality if model not in QUALITY else None)
        if quality and model != "dall-e-2":
            fields["quality"] = quality
        if model in DALL_E:
            fields["response_format"] = "b64_json"  # gpt-image-1 always answers base64
        if model == "dall-e-3" and request.style in ("vivid", "natural"):
            fields["style"] = request.style
        return fields

    def generate(self, request):
        model = request.model or self.default_model
        headers = self._headers()
        fields = self._fields(request, model)
        response = self.http.request("POST", self._url("/images/generations"), classify=classify,
                                     json=fields, headers=headers)
        return self._result(response, model, fields)

    def edit(self, request, image, mask=None):
        """``POST /images/edits``: the image (and optional PNG mask) as multipart files, the rest as form fields."""
        model = request.model or self.default_model
        headers = self._headers()
        fields = self._fields(request, model)
        fields.pop("style", None)
        files = {"image": ("image.png", image, "image/png")}
        if mask is not None:
            files["mask"] = ("mask.png", mask, "image/png")
        response = self.http.request("POST", self._url("/images/edits"), classify=classify,
                                     data={k: str(v) for k, v in fields.items()}, files=files, headers=headers)
        return self._result(response, model, fields)

    def _result(self, response, model, fields):
        body = self.http.json(response)
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
        usage = body.get("usage") or {}
        tokens = {k: usage[f"{k}_tokens"] for k in ("input", "output") if usage.get(f"{k}_tokens") is not None}
        return ProviderResult(images, model, tokens=tokens,
                              info={"quality": fields.get("quality"), "size": fields["size"]})
