"""ComfyUI: queue a workflow with ``POST /prompt``, poll ``GET /history/<id>``, fetch ``GET /view``.

The workflow is ComfyUI's API format (node id → class_type + inputs); the
built-in one is the standard checkpoint → CLIP → KSampler → VAE → SaveImage graph.
"""

import time
import uuid

from .base import Provider, ProviderError, ProviderImage, ProviderResult

MAX_WAIT_SECONDS = 600


def workflow(request, checkpoint):
    seed = request.seed if request.seed is not None else 0
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": checkpoint}},
        "5": {"class_type": "EmptyLatentImage",
              "inputs": {"width": request.width, "height": request.height, "batch_size": request.n}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": request.prompt, "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": request.negative_prompt or "", "clip": ["4", 1]}},
        "3": {"class_type": "KSampler", "inputs": {
            "seed": seed, "steps": 25, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal",
            "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
            "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "imprint", "images": ["8", 0]}},
    }


class ComfyUIProvider(Provider):
    name = "comfyui"

    @property
    def default_model(self):
        return self.config.get("COMFYUI_CHECKPOINT") or "sd_xl_base_1.0.safetensors"

    def generate(self, request):
        base = (self.config.get("COMFYUI_URL") or "").rstrip("/")
        if not base:
            raise ProviderError("misconfigured", "provider comfyui needs COMFYUI_URL")
        model = request.model or self.default_model
        body = {"prompt": workflow(request, model), "client_id": uuid.uuid4().hex}
        queued = self.http.json(self.http.request("POST", f"{base}/prompt", json=body))
        if queued.get("node_errors"):
            raise ProviderError("rejected", f"comfyui refused the workflow: {queued['node_errors']}")
        prompt_id = queued.get("prompt_id")
        if not prompt_id:
            raise ProviderError("bad_response", "comfyui answered without a prompt_id")
        entry = self._wait(base, prompt_id)
        images = []
        for output in (entry.get("outputs") or {}).values():
            for item in output.get("images") or []:
                params = {"filename": item["filename"], "subfolder": item.get("subfolder", ""),
                          "type": item.get("type", "output")}
                images.append(ProviderImage(self.http.request("GET", f"{base}/view", params=params).content))
        if not images:
            raise ProviderError("bad_response", "comfyui finished without an image")
        return ProviderResult(images[: request.n], model, info={"prompt_id": prompt_id})

    def _wait(self, base, prompt_id):
        poll = float(self.config.get("COMFYUI_POLL_SECONDS") or 1.0)
        deadline = time.monotonic() + min(MAX_WAIT_SECONDS, float(self.config.get("PROVIDER_TIMEOUT") or 120))
        while True:
            history = self.http.json(self.http.request("GET", f"{base}/history/{prompt_id}"))
            entry = history.get(prompt_id)
            if entry:
                status = entry.get("status") or {}
                if status.get("status_str") == "error":
                    raise ProviderError("unavailable", f"comfyui failed the workflow: {status.get('messages')}")
                if status.get("completed", True):
                    return entry
            if time.monotonic() > deadline:
                raise ProviderError("timeout", f"comfyui did not finish {prompt_id} in time")
            time.sleep(poll)
