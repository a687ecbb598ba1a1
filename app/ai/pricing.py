"""What an image costs, per provider × model × size × quality, in USD.

The built-in table holds list prices; ``PRICE_TABLE_PATH`` names a JSON file
of the same shape merged over it (add a model, change a price, or set a
self-hosted GPU's cost). ``"*"`` matches any size or quality. A combination
with no price returns None: the cost is *unknown*, never 0.
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
    },
    # automatic1111 and comfyui run on your own GPU: no price until you set one.
}


def _merge(base, override):
    merged = dict(base)
    for name, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _merge(merged[name], value)
        else:
            merged[name] = value
    return merged


@lru_cache(maxsize=8)
def _load(path):
    if not path:
        return DEFAULT_PRICES
    with open(path) as fh:
        override = json.load(fh)
    if not isinstance(override, dict):
        raise ValueError(f"{path}: the price table must be a JSON object")
    return _merge(DEFAULT_PRICES, override)


def price_table(config):
    """The effective table: defaults merged with ``PRICE_TABLE_PATH``."""
    try:
        return _load(config.get("PRICE_TABLE_PATH"))
    except (OSError, ValueError) as error:
        log.error("pricing: cannot read PRICE_TABLE_PATH (%s); using built-in prices", error)
        return DEFAULT_PRICES


def _pick(level, name):
    if not isinstance(level, dict):
        return None
    return level.get(name if name is not None else WILDCARD, level.get(WILDCARD))


def image_price(config, provider, model, size, quality):
    """USD for one image, or None when the table has no price for this combination."""
    price = price_table(config).get(provider)
    for name in (model, size, quality):
        price = _pick(price, name)
    return float(price) if isinstance(price, int | float) and not isinstance(price, bool) else None
