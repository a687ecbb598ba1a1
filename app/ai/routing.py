"""Named routes (``AI_ROUTES``): ordered provider targets and the failures that move a request to the next one.

The setting is JSON (text, a dict, or the path of a JSON file)::

    {"images": {"targets": [{"provider": "openai", "model": "gpt-image-1.5", "weight": 3},
                            {"provider": "openai", "model": "gpt-image-1-mini", "weight": 1},
                            {"provider": "gemini", "priority": 2}],
                "fallback_on": ["unavailable", "timeout", "rate_limited", "quota", "bad_response"]}}

Targets are tried by ``priority`` (default: their place in the list); targets
of equal priority share the load by ``weight``. ``options`` override request
options for a target (``quality``, ``style``…), ``settings`` override the
provider's settings (a second OpenAI-compatible server's ``OPENAI_BASE_URL``).
A route named ``default`` answers requests that name none; without it the
default route is ``AI_PROVIDER`` alone, as a single target.
"""

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from .errors import RequestError
from .providers import PROVIDERS, ProviderError

# Failures another target may well not have: outages, limits, unreadable answers.
DEFAULT_FALLBACK = frozenset({"unavailable", "timeout", "rate_limited", "quota", "bad_response"})
TARGET_OPTIONS = frozenset({"quality", "style", "negative_prompt", "background", "moderation", "output_compression"})
MAX_ROUTES, MAX_TARGETS, MAX_NAME = 100, 20, 64


@dataclass(frozen=True)
class Target:
    provider: str
    model: str | None = None
    weight: float = 1.0
    priority: int = 0
    options: dict = field(default_factory=dict, hash=False, compare=False)
    settings: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def name(self):
        """How the ledger and the metrics name the target: ``provider/model``."""
        return f"{self.provider}/{self.model or 'default'}"


@dataclass(frozen=True)
class Route:
    name: str
    targets: tuple
    fallback_on: frozenset = DEFAULT_FALLBACK

    def ordered(self, rng=random):
        """The targets in the order to try them: by priority, equals shuffled by weight."""
        tiers = {}
        for target in self.targets:
            tiers.setdefault(target.priority, []).append(target)
        order = []
        for priority in sorted(tiers):
            pool = list(tiers[priority])
            while pool:
                chosen = rng.choices(pool, weights=[t.weight for t in pool])[0]
                order.append(chosen)
                pool.remove(chosen)
        return order

    def falls_back(self, error):
        """True when ``error`` from one target sends the request on to the next."""
        return error.kind in self.fallback_on


def _problem(where, message):
    return ValueError(f"AI_ROUTES{where}: {message}")


def _target(route_name, index, raw):
    where = f"[{route_name!r}].targets[{index}]"
    if isinstance(raw, str):
        provider, _, model = raw.partition("/")
        raw = {"provider": provider, "model": model or None}
    if not isinstance(raw, dict) or raw.get("provider") not in PROVIDERS:
        raise _problem(where, f"provider must be one of {sorted(PROVIDERS)}")
    unknown = set(raw) - {"provider", "model", "weight", "priority", "options", "settings"}
    if unknown:
        raise _problem(where, f"unknown keys {sorted(unknown)}")
    model, weight, priority = raw.get("model"), raw.get("weight", 1), raw.get("priority", index)
    if model is not None and (not isinstance(model, str) or not 0 < len(model) <= 100):
        raise _problem(where, "model must be a string of 1 to 100 characters")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1000:
        raise _problem(where, "weight must be a number above 0 and at most 1000")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 1000:
        raise _problem(where, "priority must be an integer from 0 to 1000")
    options, settings = raw.get("options") or {}, raw.get("settings") or {}
    if not isinstance(options, dict) or set(options) - TARGET_OPTIONS:
        raise _problem(where, f"options may set {sorted(TARGET_OPTIONS)}")
    if not isinstance(settings, dict) or not all(isinstance(k, str) and k.isupper() for k in settings):
        raise _problem(where, "settings must be an object of setting names (upper case)")
    return Target(raw["provider"], model, float(weight), priority, dict(options), dict(settings))


def _route(name, raw):
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise _problem("", f"route names are 1 to {MAX_NAME} characters")
    if isinstance(raw, list):
        raw = {"targets": raw}
    targets = raw.get("targets") if isinstance(raw, dict) else None
    if not isinstance(targets, list) or not 0 < len(targets) <= MAX_TARGETS:
        raise _problem(f"[{name!r}]", f"targets must be a list of 1 to {MAX_TARGETS} targets")
    fallback_on = raw.get("fallback_on", sorted(DEFAULT_FALLBACK))
    if not isinstance(fallback_on, list) or set(fallback_on) - set(ProviderError.STATUS):
        raise _problem(f"[{name!r}].fallback_on", f"a list of failure kinds from {sorted(ProviderError.STATUS)}")
    return Route(name, tuple(_target(name, i, t) for i, t in enumerate(targets)), frozenset(fallback_on))


def parse_routes(raw):
    """Routes from the setting: JSON text, a dict, or a JSON file's path; raises ValueError naming the problem."""
    if raw in (None, ""):
        return {}
    if isinstance(raw, str) and not raw.lstrip().startswith("{"):
        try:
            raw = Path(raw).read_text(encoding="utf-8")
        except OSError as error:
            raise _problem("", f"cannot read the routes file {raw!r}: {error}") from error
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise _problem("", f"not valid JSON: {error}") from error
    if not isinstance(raw, dict) or len(raw) > MAX_ROUTES:
        raise _problem("", f"must be a JSON object of up to {MAX_ROUTES} named routes")
    clashes = sorted(set(raw) & set(PROVIDERS))
    if clashes:
        raise _problem("", f"a route may not take a provider's name: {clashes}")
    return {name: _route(name, spec) for name, spec in raw.items()}


def single_target(provider, model):
    """Today's behaviour as a route: one provider, nothing to fall back to."""
    return Route(provider, (Target(provider, model),))


def init_app(app):
    """Parse ``AI_ROUTES`` once (a typo fails at start, not as 500s later); register the doctor check."""
    from .provider_faults import check_provider_credentials

    app.extensions["ai_routes"] = parse_routes(app.config.get("AI_ROUTES"))
    app.extensions.setdefault("imprint_doctor_checks", []).append(check_provider_credentials)


def configured_routes(app):
    """The app's routes, name → Route."""
    return app.extensions.get("ai_routes", {})


def find_route(name, provider=None):
    """The route a request takes: the one it names (``route``; /v1 passes a route name as ``provider``),
    else ``default`` when it names no provider; None: the provider alone. An unknown name is a 422."""
    routes = configured_routes(current_app)
    if name:
        if name not in routes:
            raise RequestError(422, f"route must be one of {sorted(routes) or '(no AI_ROUTES configured)'}",
                               field="route")
        return routes[name]
    return routes.get(provider or "default")
