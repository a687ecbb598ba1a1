"""Which provider and model answer a requested OpenAI ``model`` name (``OPENAI_COMPAT_MODELS``).

The setting is a JSON object: name → ``{"provider": …, "model": …}`` (model
optional: the provider's default), or the shorthand ``"provider"`` /
``"provider/model"``. Unset, only the offline provider is routed, under the
names ``procedural`` and ``imprint-procedural``. The mapping is checked when
the app starts, so a typo fails loudly instead of answering 500s later.
"""

import json
import time
from dataclasses import dataclass

from app.ai.providers import PROVIDERS

DEFAULT_ROUTES = {"procedural": {"provider": "procedural"}, "imprint-procedural": {"provider": "procedural"}}
MAX_NAME = 100


@dataclass(frozen=True)
class ModelRoute:
    name: str  # what the client sends as ``model``
    provider: str
    model: str | None  # the provider's model; None = its default
    created: int  # unix time the route was loaded (OpenAI's ``created``)


def parse_routes(raw, created=None):
    """Routes from the setting's JSON text (None → the default); raises ValueError naming the problem."""
    created = int(time.time()) if created is None else created
    if raw in (None, ""):
        mapping = DEFAULT_ROUTES
    elif isinstance(raw, dict):  # settings passed to create_app() as a dict
        mapping = raw
    else:
        try:
            mapping = json.loads(raw)
        except ValueError as error:
            raise ValueError(f"OPENAI_COMPAT_MODELS is not valid JSON: {error}") from error
    if not isinstance(mapping, dict) or not mapping:
        raise ValueError("OPENAI_COMPAT_MODELS must be a non-empty JSON object of model name → route")
    routes = {}
    for name, target in mapping.items():
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"OPENAI_COMPAT_MODELS: model names are 1 to {MAX_NAME} characters")
        if isinstance(target, str):
            provider, _, model = target.partition("/")
            target = {"provider": provider, "model": model or None}
        if not isinstance(target, dict) or target.get("provider") not in PROVIDERS:
            raise ValueError(f"OPENAI_COMPAT_MODELS[{name!r}]: provider must be one of {sorted(PROVIDERS)}")
        model = target.get("model")
        if model is not None and (not isinstance(model, str) or not 0 < len(model) <= MAX_NAME):
            raise ValueError(f"OPENAI_COMPAT_MODELS[{name!r}]: model must be a string")
        routes[name] = ModelRoute(name, target["provider"], model, created)
    return routes


def install_routes(app):
    """Parse the setting once, when the blueprint is registered."""
    app.extensions["openai_model_routes"] = parse_routes(app.config.get("OPENAI_COMPAT_MODELS"))


def model_routes(app):
    """The app's routes, name → ModelRoute, in the order the setting lists them."""
    return app.extensions["openai_model_routes"]
