"""Gemini image output over REST: ``POST {base}/models/{model}:generateContent``; Imagen: ``:predict``.

Request: ``contents[].parts[]`` (text, and ``inline_data`` for reference
images), ``generationConfig.responseModalities = ["TEXT", "IMAGE"]`` and
``imageConfig.aspectRatio``; key in ``x-goog-api-key``. Answer:
``candidates[].content.parts[].inlineData {mimeType, data}``,
``usageMetadata``; a blocked prompt has ``promptFeedback.blockReason``, a
blocked answer a ``finishReason`` such as ``IMAGE_SAFETY``. Imagen models
(``imagen-*``) take ``{"instances": [{"prompt"}], "parameters": {"sampleCount",
"aspectRatio"}}`` and answer ``predictions[].bytesBase64Encoded``. Errors are
``{"error": {"code", "message", "status", "details"}}`` with google.rpc
``QuotaFailure`` and ``RetryInfo`` in ``details``.
"""

import base64

from .base import Provider, ProviderError, ProviderImage, ProviderResult, nearest_ratio
from .http import default_classify

ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9")  # google-genai ImageConfig.aspect_ratio
IMAGEN_ASPECT_RATIOS = ("1:1", "3:4", "4:3", "9:16", "16:9")  # GenerateImagesConfig.aspect_ratio
IMAGEN_MAX_SAMPLES = 4
# finishReason / blockReason -> what the user is told; all are refusals (the same prompt gets the same answer)
REFUSALS = {
    "SAFETY": "the safety filter blocked it", "IMAGE_SAFETY": "the image safety filter blocked the image",
    "PROHIBITED_CONTENT": "it was judged prohibited content",
    "IMAGE_PROHIBITED_CONTENT": "the image was judged prohibited content",
    "RECITATION": "it recited protected material", "IMAGE_RECITATION": "the image recited protected material",
    "BLOCKLIST": "it contains blocklisted terms", "SPII": "it contains sensitive personal information",
}
MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))
RPC = "type.googleapis.com/google.rpc."


def mime_type(data):
    """The MIME type of encoded image bytes, from their first bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return next((mime for magic, mime in MAGIC if data.startswith(magic)), "image/png")


def parse_duration(value):
    """Seconds from a protobuf Duration in JSON (``"37s"``, ``"0.5s"``), or None."""
    try:
        return max(0.0, float(str(value).removesuffix("s")))
    except (TypeError, ValueError):
        return None


def classify(response):
    """Gemini errors; a spent per-day quota (QuotaFailure ``...PerDay...``) is quota, not a rate limit."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    message = error.get("message") or response.text[:300]
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    fields = [v.get("field") for d in details if d.get("@type") == RPC + "BadRequest"
              for v in d.get("fieldViolations") or [] if isinstance(v, dict) and v.get("field")]
    failure = default_classify(response).reword(f"gemini: {error.get('status') or response.status_code}: {message}",
                                                code=error.get("status"), field=fields[0] if fields else None)
    for detail in details:
        if detail.get("@type") == RPC + "RetryInfo":
            failure.retry_after = parse_duration(detail.get("retryDelay"))
    quota_ids = [str(v.get("quotaId") or "") for d in details if d.get("@type") == RPC + "QuotaFailure"
                 for v in d.get("violations") or [] if isinstance(v, dict)]
    if response.status_code == 429 and any("PerDay" in quota for quota in quota_ids):
        failure.kind = "quota"
        failure.message = f"gemini daily quota spent ({', '.join(quota_ids)}): {message}"
        failure.code = "RESOURCE_EXHAUSTED"
        failure.args = (failure.message,)
    return failure


def refusal(reason, where):
    return ProviderError("refused", f"gemini refused {where}: {REFUSALS[reason]} ({reason})", code=reason)


class GeminiProvider(Provider):
    name = "gemini"
    supports_edit = True

    @property
    def default_model(self):
        return self.config.get("GEMINI_IMAGE_MODEL") or "gemini-2.5-flash-image"

    def generate(self, request):
        return self._call(request)

    def edit(self, request, image):
        """Gemini edits by conversation: the image goes in as an inline part beside the instruction."""
        return self._call(request, (image,))

    def _post(self, model, method, body):
        key = self.config.get("GEMINI_API_KEY")
        if not key:
            raise ProviderError("misconfigured", "provider gemini needs GEMINI_API_KEY")
        base = self.config.get("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com/v1beta")
        response = self.http.request("POST", f"{base.rstrip('/')}/models/{model}:{method}", classify=classify,
                                     json=body, headers={"x-goog-api-key": key})
        return self.http.json(response)

    def _call(self, request, extra_images=()):
        model = request.model or self.default_model
        if model.startswith("imagen-"):
            if extra_images:
                raise ProviderError("rejected", f"{model} does not edit images; use a Gemini image model")
            return self._predict(request, model)
        ratio = request.aspect_ratio if request.aspect_ratio in ASPECT_RATIOS else \
            nearest_ratio(request.width, request.height, ASPECT_RATIOS)
        text = request.prompt + (f"\nAvoid: {request.negative_prompt}" if request.negative_prompt else "")
        parts = [{"text": text}]
        for data in [*extra_images, *request.reference_images]:
            parts.append({"inline_data": {"mime_type": mime_type(data), "data": base64.b64encode(data).decode()}})
        body = {"contents": [{"role": "user", "parts": parts}],
                "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "candidateCount": 1,
                                     "imageConfig": {"aspectRatio": ratio}}}
        images, tokens = [], {}
        for _ in range(request.n):  # one image per call; candidateCount>1 is not offered for images
            answer = self._post(model, "generateContent", body)
            images.append(self._image(answer))
            usage = answer.get("usageMetadata") or {}
            tokens["input"] = tokens.get("input", 0) + int(usage.get("promptTokenCount") or 0)
            tokens["output"] = tokens.get("output", 0) + int(usage.get("candidatesTokenCount") or 0)
        return ProviderResult(images, model, tokens=tokens, info={"aspect_ratio": ratio})

    def _image(self, body):
        blocked = (body.get("promptFeedback") or {}).get("blockReason")
        if blocked:
            if blocked in REFUSALS:
                raise refusal(blocked, "the prompt")
            raise ProviderError("refused", f"gemini blocked the prompt: {blocked}", code=blocked)
        candidates = body.get("candidates") or []
        if not candidates:
            raise ProviderError("bad_response", "gemini answered without a candidate")
        candidate, text = candidates[0], []
        for part in (candidate.get("content") or {}).get("parts") or []:
            inline = part.get("inlineData") or part.get("inline_data")
            if inline and inline.get("data"):
                mime = inline.get("mimeType") or inline.get("mime_type") or "image/png"
                return ProviderImage(base64.b64decode(inline["data"]), mime)
            if part.get("text"):
                text.append(part["text"])
        reason = candidate.get("finishReason")
        if reason in REFUSALS:
            raise refusal(reason, "the image")
        said = f"; it said: {' '.join(text)[:200]}" if text else ""
        raise ProviderError("bad_response", f"gemini answered without an image ({reason or 'no reason'}){said}",
                            code=reason)

    def _predict(self, request, model):
        """Imagen: ``:predict`` with up to four samples a call."""
        ratio = request.aspect_ratio if request.aspect_ratio in IMAGEN_ASPECT_RATIOS else \
            nearest_ratio(request.width, request.height, IMAGEN_ASPECT_RATIOS)
        images, remaining = [], request.n
        while remaining > 0:
            count = min(remaining, IMAGEN_MAX_SAMPLES)
            answer = self._post(model, "predict", {"instances": [{"prompt": request.prompt}],
                                                   "parameters": {"sampleCount": count, "aspectRatio": ratio}})
            predictions = [p for p in answer.get("predictions") or [] if isinstance(p, dict)]
            made = [p for p in predictions if p.get("bytesBase64Encoded")]
            if not made:
                reasons = "; ".join(str(p["raiFilteredReason"]) for p in predictions if p.get("raiFilteredReason"))
                raise ProviderError("refused", f"imagen returned no image (filtered{': ' + reasons if reasons else ''})",
                                    code="IMAGE_SAFETY")
            images += [ProviderImage(base64.b64decode(p["bytesBase64Encoded"]), p.get("mimeType") or "image/png")
                       for p in made]
            remaining -= count
        return ProviderResult(images[: request.n], model, info={"aspect_ratio": ratio})
