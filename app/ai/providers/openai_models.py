"""What each OpenAI image model accepts, and the body that fits a request to it.

Taken from OpenAI's published OpenAPI document (``CreateImageRequest``,
``CreateImageEditRequest``) and the ``openai`` Python SDK's types (3.57,
``image_generate_params.py``, ``image_edit_params.py``), December 2026. A
request is fitted (nearest allowed size, the model's name for a quality, ``n``
images from a one-image model as ``n`` calls) or refused with the field that
the model would refuse, before any call is made.
"""

import logging
import math
import re
from dataclasses import dataclass, replace

from .base import UnsupportedOption

log = logging.getLogger(__name__)

GPT_QUALITY = {"low": "low", "medium": "medium", "high": "high", "auto": "auto", "standard": "medium", "hd": "high"}


@dataclass(frozen=True)
class ModelRules:
    family: str
    sizes: tuple | None  # the sizes it takes; None = any WxH within the flexible limits below
    qualities: dict  # Imprint's quality -> the value sent (None: leave the field out)
    max_n: int  # images per call; more are asked as several calls
    max_prompt: int
    gpt_options: bool  # output_format, background, moderation, output_compression
    edits: bool
    legacy: bool  # dall-e: response_format (and style for dall-e-3); GPT models refuse both
    style: bool = False
    retired: str | None = None  # the date OpenAI stopped serving it


GPT_FIXED = ModelRules("gpt-image", ("1024x1024", "1536x1024", "1024x1536"), GPT_QUALITY, 10, 32000,
                       gpt_options=True, edits=True, legacy=False)
GPT_FLEXIBLE = replace(GPT_FIXED, family="gpt-image-2", sizes=None)
DALL_E_3 = ModelRules("dall-e-3", ("1024x1024", "1792x1024", "1024x1792"),
                      {"low": "standard", "medium": "standard", "standard": "standard", "auto": None,
                       "high": "hd", "hd": "hd"}, 1, 4000, gpt_options=False, edits=False, legacy=True,
                      style=True, retired="2026-05-12")
DALL_E_2 = ModelRules("dall-e-2", ("256x256", "512x512", "1024x1024"), {}, 10, 1000,  # `standard` only: omitted
                      gpt_options=False, edits=True, legacy=True, retired="2026-05-12")
# Any other name: an OpenAI-compatible server's own model; it gets what the caller asked, as asked.
COMPATIBLE = ModelRules("openai-compatible", None, {}, 10, 32000, gpt_options=True, edits=True, legacy=True)

MODELS = {
    "gpt-image-1": replace(GPT_FIXED, retired="2026-10-23"),
    "gpt-image-1-mini": GPT_FIXED,
    "gpt-image-1.5": GPT_FIXED,
    "chatgpt-image-latest": GPT_FIXED,
    "gpt-image-2": GPT_FLEXIBLE,
    "gpt-image-2-2026-04-21": GPT_FLEXIBLE,
    "gpt-image-2.5-sunburst": GPT_FLEXIBLE,
    "gpt-image-2.5-sunburst-2026-09-08": GPT_FLEXIBLE,
    "gpt-image-2.5-flare": GPT_FLEXIBLE,
    "gpt-image-2.5-flare-2026-09-08": GPT_FLEXIBLE,
    "gpt-image-2.6-sunburst": GPT_FLEXIBLE,
    "gpt-image-2.6-flare": GPT_FLEXIBLE,
    "dall-e-2": DALL_E_2,
    "dall-e-3": DALL_E_3,
}

# Flexible sizes (gpt-image-2 and later): both edges multiples of 16, ratio within 1:3..3:1,
# at most 3840 px an edge and 3840x2160 pixels in all, at least 655,360 pixels.
FLEX_STEP, FLEX_MAX_EDGE, FLEX_MAX_PIXELS, FLEX_MIN_PIXELS = 16, 3840, 3840 * 2160, 655_360


def rules_for(model):
    """(rules, warning): a known model's rules, else its family's with a warning saying so."""
    if model in MODELS:
        rules = MODELS[model]
        warning = f"{model} was retired by OpenAI on {rules.retired}" if rules.retired else None
        return rules, warning
    if model.startswith("dall-e-3"):
        rules = DALL_E_3
    elif model.startswith("dall-e-2"):
        rules = DALL_E_2
    elif match := re.match(r"(?:gpt|chatgpt)-image-(\d+)", model):
        rules = GPT_FLEXIBLE if int(match.group(1)) >= 2 else GPT_FIXED
    else:
        return COMPATIBLE, f"{model} is not an OpenAI image model Imprint knows; sent as asked"
    return rules, f"{model} is not in Imprint's table of OpenAI models; sent with the rules of {rules.family}"


def nearest_size(rules, width, height):
    """The allowed size closest in shape to width x height, then the smallest not smaller than it."""
    if rules.sizes is None:
        return flexible_size(width, height) if rules is not COMPATIBLE else f"{width}x{height}"
    if f"{width}x{height}" in rules.sizes:
        return f"{width}x{height}"

    def distance(size):
        w, h = (int(v) for v in size.split("x"))
        return round(abs(math.log(w / h) - math.log(width / height)), 6), w * h < width * height, \
            abs(w * h - width * height)

    return min(rules.sizes, key=distance)


def flexible_size(width, height):
    """width x height moved inside the flexible limits, keeping its shape."""
    ratio = min(3.0, max(1 / 3, width / height))
    pixels = min(FLEX_MAX_PIXELS, max(FLEX_MIN_PIXELS, width * height))
    w = min(FLEX_MAX_EDGE, math.sqrt(pixels * ratio))
    h = min(FLEX_MAX_EDGE, w / ratio)
    # Rounded down, the edges stay under the pixel cap and the longest edge; each rounded on its own
    # can leave the shape just past 3:1, which the long edge coming down a step mends.
    down_w, down_h = _snap(w, math.floor), _snap(h, math.floor)
    while down_w > 3 * down_h:
        down_w -= FLEX_STEP
    while down_h > 3 * down_w:
        down_h -= FLEX_STEP
    if down_w * down_h >= FLEX_MIN_PIXELS:
        return f"{down_w}x{down_h}"
    # Near the pixel floor, rounded up instead: far from the cap, and rounding up an exact shape
    # within 3:1 keeps it within.
    return f"{_snap(w, math.ceil)}x{_snap(h, math.ceil)}"


def _snap(edge, rounding):
    return rounding(edge / FLEX_STEP) * FLEX_STEP


def check_request(model, request, *, edit=False):
    """Raise UnsupportedOption for a field ``model`` would refuse (and Imprint cannot fit)."""
    rules, _ = rules_for(model)
    if edit and not rules.edits:
        raise UnsupportedOption("model", f"{model} cannot edit images; use a GPT image model (gpt-image-1.5 or later)")
    if len(request.prompt) > rules.max_prompt:
        raise UnsupportedOption("prompt", f"{model} takes prompts of at most {rules.max_prompt} characters; "
                                f"the full prompt (with style and template) has {len(request.prompt)}")
    if request.background == "transparent":
        if not rules.gpt_options:
            raise UnsupportedOption("background", f"{model} makes opaque images only; omit background "
                                    "or use a GPT image model")
        if (request.output_format or "png") != "png":
            raise UnsupportedOption("background", "a transparent background is kept in PNG only; "
                                    "set format to png")
    if request.moderation == "low" and not rules.gpt_options:
        raise UnsupportedOption("moderation", f"{model} has no moderation setting (GPT image models only)")


def fit_request(model, request, *, edit=False):
    """(fields, calls, warnings): the body ``model`` accepts for ``request`` and how many calls make n."""
    check_request(model, request, edit=edit)
    rules, warning = rules_for(model)
    warnings = [warning] if warning else []
    fields = {"model": model, "prompt": request.prompt, "size": nearest_size(rules, request.width, request.height)}
    if fields["size"] != request.size:
        warnings.append(f"size {request.size} is not offered by {model}; asked for {fields['size']}")
    per_call = min(request.n, rules.max_n)
    fields["n"] = per_call
    quality = rules.qualities.get(request.quality) if rules is not COMPATIBLE else request.quality
    if quality:
        fields["quality"] = quality
    if rules.legacy:
        fields["response_format"] = "b64_json"  # GPT image models always answer base64 and refuse the field
    if rules.style and request.style in ("vivid", "natural"):
        fields["style"] = request.style
    if rules.gpt_options:
        if request.output_format:
            fields["output_format"] = request.output_format
        for name in ("background", "moderation"):
            if getattr(request, name):
                fields[name] = getattr(request, name)
        if request.output_compression is not None and request.output_format in ("jpeg", "webp"):
            fields["output_compression"] = request.output_compression
    if edit:
        fields.pop("style", None)
    for note in warnings:
        log.warning("openai: %s", note)
    return fields, math.ceil(request.n / per_call), warnings
