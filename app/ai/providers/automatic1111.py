"""Stable Diffusion web UI (AUTOMATIC1111) API: ``POST {A1111_URL}/sdapi/v1/txt2img``.

The server must run with ``--api`` (and ``--api-auth user:password`` is
answered with ``A1111_AUTH``, sent as HTTP basic auth). Answers ``{"images":
[base64 PNG…], "parameters": {…}, "info": "<json string>"}``. A per-request
model is ``override_settings.sd_model_checkpoint`` with
``override_settings_restore_afterwards: false``: the checkpoint stays loaded
for the next request instead of being swapped out and back in.
"""

import base64
import json

from .base import Provider, ProviderError, ProviderImage, ProviderResult
from .http import default_classify


def classify(response):
    failure = default_classify(response)
    if response.status_code == 401:
        return failure.reword("automatic1111 refused the credentials: the server runs with --api-auth; "
                              "set A1111_AUTH=user:password")
    if response.status_code == 404:
        failure.kind = "misconfigured"
        return failure.reword("automatic1111 has no /sdapi/v1/txt2img: start the web UI with --api")
    if failure.kind == "invalid_request":
        message, field = validation_detail(response)
        return failure.reword(message, field=field)
    return failure


def validation_detail(response):
    """(message, field) of the web UI's answer: FastAPI's ``{"detail": [{"loc", "msg"}]}`` or ``{"error", "detail"}``."""
    try:
        body = response.json()
    except ValueError:
        return f"automatic1111 refused the request: {response.text[:300]}", None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        location = [str(part) for part in detail[0].get("loc") or [] if part != "body"]
        field = location[-1] if location else None
        return f"automatic1111 refused {'.'.join(location) or 'the request'}: {detail[0].get('msg')}", field
    said = (body.get("detail") or body.get("error")) if isinstance(body, dict) else None
    return f"automatic1111 refused the request: {said or response.text[:300]}", None


class Automatic1111Provider(Provider):
    name = "automatic1111"
    default_model = "sd-webui"

    classify = staticmethod(classify)

    def auth(self):
        user, colon, password = (self.config.get("A1111_AUTH") or "").partition(":")
        return (user, password) if colon else None

    def generate(self, request):
        base = self.config.get("A1111_URL")
        if not base:
            raise ProviderError("misconfigured", "provider automatic1111 needs A1111_URL")
        payload = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt or "",
            "width": request.width,
            "height": request.height,
            "batch_size": request.n,
            "n_iter": 1,
            "steps": int(self.config.get("A1111_STEPS") or 25),
            "cfg_scale": 7,
            "seed": request.seed if request.seed is not None else -1,
            "send_images": True,
            "save_images": False,
        }
        if request.model:
            payload["override_settings"] = {"sd_model_checkpoint": request.model}
            payload["override_settings_restore_afterwards"] = False
        response = self.http.request("POST", base.rstrip("/") + "/sdapi/v1/txt2img", classify=classify,
                                     json=payload, auth=self.auth())
        body = self.http.json(response)
        images = [ProviderImage(base64.b64decode(data.split(",", 1)[-1])) for data in body.get("images") or []]
        if not images:
            raise ProviderError("bad_response", "automatic1111 answered without an image")
        info = {}
        try:
            info = json.loads(body.get("info") or "{}")
        except (TypeError, ValueError):
            pass
        model = request.model or info.get("sd_model_name") or self.default_model
        return ProviderResult(images[: request.n], model, info={"seed": info.get("seed")})
