"""A stand-in for OpenAI's Images API that refuses what the real one refuses.

Built from the published reference, not from Imprint's code: the request
fields are the ``openai`` SDK's request types (``ImageGenerateParams``,
``ImageEditParams``); the per-model rules are the field descriptions of
OpenAI's OpenAPI document (``/work/shared/reference``); the answer is the
SDK's ``ImagesResponse``, with the output tokens OpenAI's image guide lists
per quality and size. Errors have OpenAI's shape ``{"error": {message, type,
param, code}}``. Retired models answer ``model_not_found`` unless
``serve_retired`` (an OpenAI-compatible server that still serves them).
"""

import base64
import io
import json
import math
from email.parser import BytesParser
from email.policy import HTTP

from openai.types.image_edit_params import ImageEditParamsNonStreaming
from openai.types.image_generate_params import ImageGenerateParamsNonStreaming
from PIL import Image

GENERATION_FIELDS = set(ImageGenerateParamsNonStreaming.__annotations__)
EDIT_FIELDS = set(ImageEditParamsNonStreaming.__annotations__)
GPT_ONLY = ("output_format", "background", "moderation", "output_compression")
STANDARD_SIZES = {"1024x1024", "1536x1024", "1024x1536"}
# Output image tokens by quality and size (OpenAI's image generation guide, "Cost and latency").
OUTPUT_TOKENS = {"low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
                 "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
                 "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208}}
FIXED = {"family": "gpt", "sizes": STANDARD_SIZES | {"auto"}, "qualities": {"low", "medium", "high", "auto"},
         "max_n": 10, "prompt": 32000, "edits": True}
FLEXIBLE = {**FIXED, "sizes": None}
RULES = {
    "dall-e-2": {"family": "dall-e", "sizes": {"256x256", "512x512", "1024x1024"}, "qualities": {"standard", "auto"},
                 "max_n": 10, "prompt": 1000, "edits": True, "retired": True},
    "dall-e-3": {"family": "dall-e", "sizes": {"1024x1024", "1792x1024", "1024x1792"},
                 "qualities": {"standard", "hd", "auto"}, "max_n": 1, "prompt": 4000, "edits": False, "retired": True},
    "gpt-image-1": {**FIXED, "retired": True}, "gpt-image-1-mini": FIXED, "gpt-image-1.5": FIXED,
    "chatgpt-image-latest": FIXED, "gpt-image-2": FLEXIBLE, "gpt-image-2-2026-04-21": FLEXIBLE,
}


def error(status, message, param=None, code=None, kind="invalid_request_error"):
    return status, {}, {"error": {"message": message, "type": kind, "param": param, "code": code}}


def flexible_ok(size):
    width, height = (int(v) for v in size.split("x"))
    return (width % 16 == 0 and height % 16 == 0 and 1 / 3 <= width / height <= 3
            and max(width, height) <= 3840 and 655_360 <= width * height <= 3840 * 2160)


def multipart_fields(seen):
    """(form fields, file parts) of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {seen.headers['content-type']}\r\n\r\n".encode() + seen.body)
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None:
            files.setdefault(name, []).append(part.get_payload(decode=True))
        else:
            fields[name] = part.get_payload(decode=True).decode()
    for name in ("n", "output_compression"):
        if name in fields:
            fields[name] = int(fields[name])
    return fields, files


def check(body, rules, model, allowed_fields, *, edit):
    """The error answer the real API gives this body, or None."""
    for name in body:
        if name not in allowed_fields:
            return error(400, f"Unknown parameter: '{name}'.", name, "unknown_parameter")
    if edit and not rules["edits"]:
        return error(400, f"Invalid model {model}. The model must be one of dall-e-2 or a GPT image model.",
                     "model", "invalid_value")
    if len(body.get("prompt") or "") > rules["prompt"]:
        return error(400, f"Invalid 'prompt': string too long. Expected a string with maximum length "
                     f"{rules['prompt']}.", "prompt", "string_above_max_length")
    n = body.get("n", 1)
    if n is not None and not 1 <= n <= rules["max_n"]:
        message = "You must provide n=1 for this model." if rules["max_n"] == 1 else "n must be between 1 and 10"
        return error(400, message, "n", "invalid_value")
    size = body.get("size")
    if size is not None:
        valid = size in rules["sizes"] if rules["sizes"] is not None else (
            size in STANDARD_SIZES | {"auto"} or ("x" in size and flexible_ok(size)))
        if not valid:
            return error(400, f"Invalid size '{size}'. Supported sizes are {', '.join(sorted(rules['sizes'] or []))}"
                         if rules["sizes"] else f"Invalid size '{size}'.", "size", "invalid_value")
    quality = body.get("quality")
    if quality is not None and quality not in rules["qualities"]:
        return error(400, f"Invalid value: '{quality}'. Supported values are: "
                     f"{', '.join(sorted(rules['qualities']))}.", "quality", "invalid_value")
    if rules["family"] == "gpt":
        for name in ("response_format", "style"):
            if body.get(name) is not None:
                return error(400, f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        if body.get("background") == "transparent" and body.get("output_format") == "jpeg":
            return error(400, "Transparent background requires output_format png or webp.", "background",
                         "invalid_value")
        if body.get("output_compression") is not None and body.get("output_format", "png") == "png":
            return error(400, "output_compression is only supported for jpeg and webp.", "output_compression",
                         "invalid_value")
    else:
        for name in GPT_ONLY:
            if body.get(name) is not None:
                return error(400, f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        if body.get("style") is not None and model != "dall-e-3":
            return error(400, "Unknown parameter: 'style'.", "style", "unknown_parameter")
    return None


def picture(size, output_format, background):
    width, height = (int(v) for v in size.split("x"))
    mode = "RGBA" if background == "transparent" else "RGB"
    image = Image.new(mode, (width, height), (30, 120, 200, 0) if mode == "RGBA" else (30, 120, 200))
    out = io.BytesIO()
    image.save(out, {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[output_format])
    return base64.b64encode(out.getvalue()).decode()


def openai_images(*, serve_retired=False, key="sk-test", quality_for_auto="high"):
    """``answer(seen)`` for ``serve``: OpenAI's /images/generations and /images/edits."""

    def answer(seen):
        path = seen.path.removeprefix("/v1")
        if seen.headers.get("authorization") != f"Bearer {key}":
            return error(401, "Incorrect API key provided.", None, "invalid_api_key")
        if seen.method != "POST" or path not in ("/images/generations", "/images/edits"):
            return error(404, f"Invalid URL ({seen.method} {seen.path})")
        edit = path == "/images/edits"
        if edit:
            body, files = multipart_fields(seen)
            if not files.get("image") and not files.get("image[]"):
                return error(400, "Missing required parameter: 'image'.", "image", "missing_required_parameter")
        else:
            try:
                body = json.loads(seen.body)
            except ValueError:
                return error(400, "We could not parse the JSON body of your request.")
        model = body.get("model") or "dall-e-2"
        rules = RULES.get(model)
        if rules is None or (rules.get("retired") and not serve_retired):
            return error(404, f"The model `{model}` does not exist or you do not have access to it.", "model",
                         "model_not_found")
        refused = check(body, rules, model, EDIT_FIELDS if edit else GENERATION_FIELDS, edit=edit)
        if refused:
            return refused
        size = body.get("size") or ("1024x1024" if rules["family"] == "gpt" or edit else "1024x1024")
        size = "1024x1024" if size == "auto" else size
        n = body.get("n") or 1
        if rules["family"] == "dall-e":
            data = [{"b64_json": picture(size, "png", None),
                     **({"revised_prompt": body["prompt"] + ", refined"} if model == "dall-e-3" else {})}
                    for _ in range(n)]
            return 200, {}, {"created": 1764547200, "data": data}
        quality = body.get("quality") or "auto"
        quality = quality_for_auto if quality == "auto" else quality
        output_format = body.get("output_format") or "png"
        width, height = (int(v) for v in size.split("x"))
        per_image = OUTPUT_TOKENS[quality].get(size) or math.ceil(
            OUTPUT_TOKENS[quality]["1024x1024"] * width * height / 1024**2)
        text_in, image_in = math.ceil(len(body["prompt"]) / 4), 194 * len(files.get("image", [])) if edit else 0
        usage = {"input_tokens": text_in + image_in, "output_tokens": per_image * n,
                 "total_tokens": text_in + image_in + per_image * n,
                 "input_tokens_details": {"text_tokens": text_in, "image_tokens": image_in},
                 "output_tokens_details": {"image_tokens": per_image * n, "text_tokens": 0}}
        background = "transparent" if body.get("background") == "transparent" else "opaque"
        data = [{"b64_json": picture(size, output_format, background)} for _ in range(n)]
        return 200, {}, {"created": 1764547200, "data": data, "background": background,
                         "output_format": output_format, "size": size, "quality": quality, "usage": usage}

    return answer
