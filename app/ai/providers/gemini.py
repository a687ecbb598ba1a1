"""Gemini image output over REST: ``POST {base}/models/{model}:generateContent``.

Request: ``contents[].parts[]`` (text, and ``inline_data`` for reference
images), ``generationConfig.responseModalities = ["TEXT", "IMAGE"]`` and
``imageConfig.aspectRatio``; key in ``x-goog-api-key``. Answer:
``candidates[].content.parts[].inlineData {mimeType, data}``,
``usageMetadata``; a blocked prompt has ``promptFeedback.blockReason``, a
blocked answer a ``finishReason`` such as ``SAFETY`` or ``IMAGE_SAFETY``.
"""

import base64

from .base import Provider, ProviderError, ProviderImage, ProviderResult
from .http import default_classify

ASPECT_RATIOS = {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"}
BLOCKED_FINISH = {"SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
                  "IMAGE_PROHIBITED_CONTENT", "NO_IMAGE"}


def classify(response):
    """Gemini errors: ``{"error": {"code", "message", "status"}}``; RESOURCE_EXHAUSTED is 429."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    failure = default_classify(response)
    message = error.get("message") or response.text[:300]
    failure.message = f"gemini: {error.get('status') or response.status_code}: {message}"
    failure.args = (failure.message,)
    failure.code = error.get("status")
    if response.status_code == 429 and "quota" in message.lower() and "per day" in message.lower():
        failure.kind = "quota"
    return failure


class GeminiProvider(Provider):
    name = "gemini"

    @property
    def default_model(self):
        return self.config.get("GEMINI_IMAGE_MODEL") or "gemini-2.5-flash-image"

    def _body(self, request, extra_images=()):
        text = request.prompt
        if request.negative_prompt:
            text += f"\nAvoid: {request.negative_prompt}"
        parts = [{"text": text}]
        for data in [*extra_images, *request.reference_images]:
            parts.append({"inline_data": {"mime_type": "image/png", "data": base64.b64encode(data).decode()}})
        config = {"responseModalities": ["TEXT", "IMAGE"], "candidateCount": 1}
        if request.aspect_ratio in ASPECT_RATIOS:
            config["imageConfig"] = {"aspectRatio": request.aspect_ratio}
        return {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}

    def _call(self, request, extra_images=()):
        key = self.config.get("GEMINI_API_KEY")
        if not key:
            raise ProviderError("misconfigured", "provider gemini needs GEMINI_API_KEY")
        model = request.model or self.default_model
        base = self.config.get("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com/v1beta")
        url = f"{base.rstrip('/')}/models/{model}:generateContent"
        images, tokens = [], {}
        for _ in range(request.n):  # one image per call; candidateCount>1 is not offered for images
            response = self.http.request("POST", url, classify=classify, json=self._body(request, extra_images),
                                         headers={"x-goog-api-key": key})
            body = self.http.json(response)
            images.append(self._image(body))
            usage = body.get("usageMetadata") or {}
            tokens["input"] = tokens.get("input", 0) + int(usage.get("promptTokenCount") or 0)
            tokens["output"] = tokens.get("output", 0) + int(usage.get("candidatesTokenCount") or 0)
        return ProviderResult(images, model, tokens=tokens)

    def _image(self, body):
        blocked = (body.get("promptFeedback") or {}).get("blockReason")
        if blocked:
            raise ProviderError("refused", f"gemini blocked the prompt: {blocked}", code=blocked)
        candidates = body.get("candidates") or []
        if not candidates:
            raise ProviderError("bad_response", "gemini answered without a candidate")
        candidate = candidates[0]
        text = []
        for part in (candidate.get("content") or {}).get("parts") or []:
            inline = part.get("inlineData") or part.get("inline_data")
            if inline and inline.get("data"):
                mime = inline.get("mimeType") or inline.get("mime_type") or "image/png"
                return ProviderImage(base64.b64decode(inline["data"]), mime)
            if part.get("text"):
                text.append(part["text"])
        reason = candidate.get("finishReason")
        if reason in BLOCKED_FINISH:
            raise ProviderError("refused", f"gemini returned no image: {reason}", code=reason)
        raise ProviderError("bad_response", f"gemini answered without an image: {' '.join(text)[:200]}")

    def generate(self, request):
        return self._call(request)

    supports_edit = True

    def edit(self, request, image):
        """Gemini edits by conversation: the image goes in as an inline part beside the instruction."""
        return self._call(request, (image,))
