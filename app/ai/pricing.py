"""What an image costs, in USD: from the tokens a provider reports, else per provider × model × size × quality.

Token-billed models (OpenAI's GPT image models) are priced from the ``usage``
they answer with, at the per-token list prices in ``TOKEN_PRICES`` (USD per
1M tokens, with the page and the date they were read). Other models use the
per-image table; ``"*"`` matches any size or quality. ``PRICE_TABLE_PATH``
names a JSON file merged over both (``{"tokens": {...}}`` for token prices):
add a model, change a price, set a self-hosted GPU's cost. A combination with
no price returns None: the cost is *unknown*, never 0.
"""

import json
import logging
from functools import lru_cache

log = logging.getLogger(__name__)

WILDCARD = "*"

DEFAULT_PRICES = {
    "procedural": {WILDCARD: {WILDCARD: {WILDCARD: 0.0}}},  # local CPU: free, known
    "pillow": {WILDCARD: {WILDCARD: {WILDCARD: 0.0}}},  # edit and chart tools
    "openai": {
        "gpt-image-1": {
            "1024x1024": {"low": 0.011, "medium": 0.042, "high": 0.167},
            "1024x1536": {"low": 0.016, "medium": 0.063, "high": 0.25},
            "1536x1024": {"low": 0.016, "medium": 0.063, "high": 0.25},
        },
        "gpt-image-1-mini": {
            "1024x1024": {"low": 0.005, "medium": 0.011, "high": 0.036},
            "1024x1536": {"low": 0.006, "medium": 0.015, "high": 0.052},
            "1536x1024": {"low": 0.006, "medium": 0.015, "high": 0.052},
        },
        "gpt-image-1.5": {
            "1024x1024": {"low": 0.009, "medium": 0.034, "high": 0.133},
            "1024x1536": {"low": 0.013, "medium": 0.05, "high": 0.2},
            "1536x1024": {"low": 0.013, "medium": 0.05, "high": 0.2},
        },
        "dall-e-3": {
            "1024x1024": {"standard": 0.04, "hd": 0.08},
            "1024x1792": {"standard": 0.08, "hd": 0.12},
            "1792x1024": {"standard": 0.08, "hd": 0.12},
        },
        "dall-e-2": {"256x256": {WILDCARD: 0.016}, "512x512": {WILDCARD: 0.018},
                     "1024x1024": {WILDCARD: 0.02}},
    },
    "gemini": {
        "gemini-2.5-flash-image": {WILDCARD: {WILDCARD: 0.039}},
        "gemini-2.5-flash-image-preview": {WILDCARD: {WILDCARD: 0.039}},
        "imagen-4.0-generate-001": {WILDCARD: {WILDCARD: 0.04}},  # ai.google.dev/gemini-api/docs/pricing
        "imagen-4.0-ultra-generate-001": {WILDCARD: {WILDCARD: 0.06}},
        "imagen-4.0-fast-generate-001": {WILDCARD: {WILDCARD: 0.02}},
    },
    # automatic1111 and comfyui run on your own GPU: no price until you set one.
}

# USD per 1M tokens; ``source`` says where each was read (OpenAI's model pages where they were at hand).
TOKEN_PRICES = {
    "openai": {
        "gpt-image-1": {"text_input": 5.0, "image_input": 10.0, "image_output": 40.0, "taken": "2026-12-01",
                        "source": "developers.openai.com/api/docs/models/gpt-image-1"},
        "gpt-image-1-mini": {"text_input": 2.0, "image_input": 2.5, "image_output": 8.0, "taken": "2026-12-01",
                             "source": "developers.openai.com/api/docs/models/gpt-image-1-mini"},
        "gpt-image-1.5": {"text_input": 5.0, "text_output": 10.0, "image_input": 8.0, "image_output": 32.0,
                          "taken": "2026-12-01",
                          "source": "OpenAI's list prices as quoted by imagine.art and llmreference.com"},
        "gpt-image-2": {"text_input": 5.0, "text_output": 10.0, "image_input": 8.0, "image_output": 30.0,
                        "taken": "2026-12-01",
                        "source": "OpenAI's list prices as quoted by fal.ai and xairouter.com"},
    },
}
TOKEN_KINDS = ("text_input", "image_input", "text_output", "image_output")


def _merge(base, override):
    merged = dict(base)
    for name, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _merge(merged[name], value)
        else:
            merged[name] = value
    return merged


DEFAULTS = {**DEFAULT_PRICES, "tokens": TOKEN_PRICES}


@lru_cache(maxsize=8)
def _load(path):
    if not path:
        return DEFAULTS
    with open(path) as fh:
        override = json.load(fh)
    if not isinstance(override, dict):
        raise ValueError(f"{path}: the price table must be a JSON object")
    return _merge(DEFAULTS, override)


def price_table(config):
    """The effective table: defaults merged with ``PRICE_TABLE_PATH`` (token prices under ``"tokens"``)."""
    try:
        return _load(config.get("PRICE_TABLE_PATH"))
    except (OSError, ValueError) as error:
        log.error("pricing: cannot read PRICE_TABLE_PATH (%s); using built-in prices", error)
        return DEFAULTS


def _number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def token_price(config, provider, model, tokens):
    """USD for the tokens a call reported, or None without a token price or a usage to price.

    ``tokens`` holds ``input``/``output`` totals and, when the provider splits them,
    ``input_text``/``input_image``/``output_text``/``output_image``; what the split
    leaves out is text on the way in and image on the way out (an image model's output).
    """
    rates = (price_table(config).get("tokens") or {}).get(provider, {}).get(model)
    if not isinstance(rates, dict) or not tokens or not any(_number(tokens.get(k)) for k in ("input", "output")):
        return None
    counts = {"image_input": tokens.get("input_image") or 0, "text_output": tokens.get("output_text") or 0}
    counts["text_input"] = tokens.get("input_text", (tokens.get("input") or 0) - counts["image_input"])
    counts["image_output"] = tokens.get("output_image", (tokens.get("output") or 0) - counts["text_output"])
    total = 0.0
    for kind in TOKEN_KINDS:
        if counts[kind]:
            if not _number(rates.get(kind)):
                return None  # tokens of a kind with no price: the cost is unknown, not smaller
            total += counts[kind] * rates[kind] / 1_000_000
    return round(total, 6)


def generation_price(config, provider, model, size, quality, tokens, images):
    """USD per image: from the reported tokens where the model is token-priced, else the per-image table."""
    total = token_price(config, provider, model, tokens)
    if total is not None and images:
        return round(total / images, 6)
    return image_price(config, provider, model, size, quality)


def _pick(level, name):
    if not isinstance(level, dict):
        return None
    return level.get(name if name is not None else WILDCARD, level.get(WILDCARD))


def image_price(config, provider, model, size, quality):
    """USD for one image, or None when the table has no price for this combination."""
    price = price_table(config).get(provider) if provider != "tokens" else None
    for name in (model, size, quality):
        price = _pick(price, name)
    return float(price) if _number(price) else None
