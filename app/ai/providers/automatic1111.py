"""Stable Diffusion web UI (AUTOMATIC1111) API: ``POST {A1111_URL}/sdapi/v1/txt2img``.

Answers ``{"images": [base64 PNG…], "parameters": {…}, "info": "<json string>"}``.
"""

import base64
import json

from .base import Provider, ProviderError, ProviderImage, ProviderResult


class Automatic1111Provider(Provider):
    name = "automatic1111"
    default_model = "sd-webui"

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
        }
        if request.model:
            payload["override_settings"] = {"sd_model_checkpoint": request.model}
        response = self.http.request("POST", base.rstrip("/") + "/sdapi/v1/txt2img", json=payload)
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
