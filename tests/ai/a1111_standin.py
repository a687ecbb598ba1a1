"""A stand-in for the Stable Diffusion web UI's API (``--api``), from its ``modules/api/models.py`` and ``api.py``.

``POST /sdapi/v1/txt2img`` takes ``StableDiffusionTxt2ImgProcessingAPI``
(pydantic: a value of the wrong type is a 422 ``{"detail": [{"loc", "msg",
"type"}]}``; unknown names are ignored). ``override_settings`` applies
settings for the request and, unless ``override_settings_restore_afterwards``
is false, puts them back afterwards; a checkpoint change is a model load,
which this stand-in counts. With ``--api-auth`` every route wants HTTP basic
auth (401 ``{"detail": "Incorrect username or password"}``).
"""

import base64
import io
import json
import random
from dataclasses import dataclass, field

from PIL import Image

TYPES = {"prompt": str, "negative_prompt": str, "width": int, "height": int, "batch_size": int, "n_iter": int,
         "steps": int, "cfg_scale": (int, float), "seed": int, "send_images": bool, "save_images": bool,
         "override_settings": dict, "override_settings_restore_afterwards": bool, "sampler_name": str}


@dataclass
class A1111State:
    checkpoints: tuple = ("sd_xl_base_1.0.safetensors", "dreamshaper_8.safetensors")
    loaded: str = "sd_xl_base_1.0.safetensors"
    loads: list = field(default_factory=list)  # every checkpoint load, in order
    auth: str | None = None  # "user:password" when the server runs with --api-auth


def _load(state, name):
    if name != state.loaded:
        state.loads.append(name)
        state.loaded = name


def automatic1111(state):
    def answer(seen):
        if state.auth:
            expected = "Basic " + base64.b64encode(state.auth.encode()).decode()
            if seen.headers.get("authorization") != expected:
                return 401, {"WWW-Authenticate": "Basic"}, {"detail": "Incorrect username or password"}
        if seen.method == "GET" and seen.path == "/sdapi/v1/sd-models":
            return 200, {}, [{"title": name, "model_name": name.rsplit(".", 1)[0], "filename": f"/models/{name}"}
                             for name in state.checkpoints]
        if seen.method != "POST" or seen.path != "/sdapi/v1/txt2img":
            return 404, {}, {"detail": "Not Found"}
        body = json.loads(seen.body)
        errors = [{"loc": ["body", name], "msg": f"value is not a valid {TYPES[name]}", "type": "type_error"}
                  for name, value in body.items() if name in TYPES and not isinstance(value, TYPES[name])]
        if errors:
            return 422, {}, {"detail": errors}
        before = state.loaded
        wanted = (body.get("override_settings") or {}).get("sd_model_checkpoint")
        if wanted:
            if wanted not in state.checkpoints:
                return 500, {}, {"error": "RuntimeError", "detail": "", "body": "",
                                 "errors": f"checkpoint {wanted!r} not found"}
            _load(state, wanted)
        seed = body.get("seed", -1)
        seed = random.randrange(2**32) if seed == -1 else seed
        images = []
        for _ in range(body.get("batch_size", 1) * body.get("n_iter", 1)):
            out = io.BytesIO()
            Image.new("RGB", (min(body.get("width", 512), 256), min(body.get("height", 512), 256)),
                      (120, 40, 160)).save(out, "PNG")
            images.append(base64.b64encode(out.getvalue()).decode())
        info = {"seed": seed, "sd_model_name": state.loaded.rsplit(".", 1)[0], "prompt": body.get("prompt")}
        if wanted and body.get("override_settings_restore_afterwards", True):
            _load(state, before)
        return 200, {}, {"images": images, "parameters": body, "info": json.dumps(info)}

    return answer
