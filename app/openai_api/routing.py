"""Which provider and model answer a requested OpenAI ``model`` name (``OPENAI_COMPAT_MODELS``).

The setting is a JSON object: name → ``{"provider": …, "model": …}`` (model
optional: the provider's default), or the shorthand ``"provider"`` /
``"provider/model"``. Unset, the offline provider answers ``procedural`` and
``imprint-procedural``, and each configured provider answers its own model
names (``OPENAI_API_KEY``: gpt-image-1, dall-e-3, …; ``GEMINI_API_KEY``:
gemini-2.5-flash-image, …), so an SDK's usual ``model`` works out of the box.
The mapping is checked when the app starts, so a typo fails loudly instead of
answering 500s later.
"""

import json
import time
from dataclasses import dataclass

from app.ai.providers import PROVIDERS
from app.ai.routing import configured_routes
from app.extensions import held

DEFAULT_ROUTES = {"procedural": {"provider": "procedural"}, "imprint-procedural": {"provider": "procedural"}}
# A provider's own model names, routed to it when its key is set: (key setting, model setting, names).
PROVIDER_MODELS = {
    "openai": ("OPENAI_API_KEY", "OPENAI_IMAGE_MODEL",
               ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "dall-e-3", "dall-e-2")),
    "gemini": ("GEMINI_API_KEY", "GEMINI_IMAGE_MODEL",
               ("gemini-2.5-flash-image", "gemini-2.5-flash-image-preview",
                "gemini-2.0-flash-preview-image-generation")),
}
MAX_NAME = 100


@dataclass(frozen=True)
class ModelRoute:
    name: str  # what the client sends as ``model``
    provider: str  # a provider, or a named route of AI_ROUTES
    model: str | None  # the provider's model; None = its default (or the route's)
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


def default_routes(config):
    """The offline names, plus each configured provider's own model names (to that model)."""
    routes = dict(DEFAULT_ROUTES)
    for provider, (key_setting, model_setting, names) in PROVIDER_MODELS.items():
        if config.get(key_setting):
            chosen = config.get(model_setting)
            for name in (*names, *([chosen] if chosen and chosen not in names else [])):
                routes[name] = {"provider": provider, "model": name}
    return routes


def install_routes(app):
    """Parse the setting (or make the default) once, when the blueprint is registered; each named
    provider route (``AI_ROUTES``) is a model name too, unless the setting maps that name itself."""
    raw = app.config.get("OPENAI_COMPAT_MODELS")
    routes = parse_routes(raw or default_routes(app.config))
    created = next(iter(routes.values())).created
    for name in configured_routes(app):
        routes.setdefault(name, ModelRoute(name, name, None, created))
    app.extensions["openai_model_routes"] = routes


def model_routes(app):
    """The app's routes, name → ModelRoute, in the order the setting lists them."""
    return held("openai_model_routes", app)


def first_target(app, route):
    """A route to a provider route as its first target (edits go to one provider: they do not fall back)."""
    provider_route = configured_routes(app).get(route.provider) if route is not None else None
    if provider_route is None:
        return route
    target = provider_route.targets[0]
    return ModelRoute(route.name, target.provider, target.model, route.created)
