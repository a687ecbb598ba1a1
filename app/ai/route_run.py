"""One generation through a route: each target in turn, as the route's rules and the breakers allow.

Every attempt is written down (target, outcome, error, milliseconds, cost)
on the logger, so the ``generation_logs`` row lists them; the record names
the target that made the image (``meta.route``); the plan takes that
target's provider and model, so the record, the price and the log agree.
"""

import dataclasses
import time

from flask import current_app
from prometheus_client import Counter, Gauge

from app.extensions import held
from app.redis_client import get_redis
from app.tracking.metrics import label

from .breaker import build_breaker
from .provider_settings import PROVIDER_SETTINGS
from .providers import ProviderError, UnsupportedOption, get_provider
from .routing import single_target

FALLBACKS = Counter("imprint_route_fallbacks_total", "Requests passed on from a target to the next",
                    ["route", "target", "kind"])
ATTEMPTS = Counter("imprint_route_attempts_total", "Provider calls by target and outcome", ["target", "outcome"])
BREAKER_STATE = Gauge("imprint_provider_breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open",
                      ["target"], multiprocess_mode="max")
STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}
UNBILLED = {"unavailable", "rate_limited", "quota", "invalid_request", "refused", "misconfigured", "rejected"}


def breaker_for(app):
    """The app's circuit breaker (made once: it holds the per-process state when there is no Redis)."""
    return held("ai_breaker", app, lambda app: build_breaker(app.config, get_redis(app)))


def route_of(plan):
    """The plan's route, or its provider alone."""
    return plan.route or single_target(plan.provider, plan.model)


def breaker_key(target, config):
    """A target is its provider, model and server: two servers of one provider fail apart."""
    url_setting = PROVIDER_SETTINGS.get(target.provider, (None, None))[0]
    url = (target.settings.get(url_setting) or config.get(url_setting) or "") if url_setting else ""
    return f"{target.name}@{url}"


def _attempt(target, started, outcome, error=None, cost=None):
    entry = {"target": target.name, "provider": target.provider, "model": target.model, "outcome": outcome,
             "ms": int((time.perf_counter() - started) * 1000), "cost_usd": cost}
    if error is not None:
        entry.update(error_kind=error.kind, error=error.message[:500])
        # A refused or failed call is not billed; one that timed out may have run upstream.
        entry["cost_usd"] = 0.0 if error.kind in UNBILLED else None
    return entry


def _call(target, request, plan, config, edit):
    provider = get_provider(target.provider, {**config, **target.settings})
    wanted = dataclasses.replace(request, model=target.model or (plan.model if target.provider == plan.provider
                                                                 else None), **target.options)
    provider.check(wanted, edit=edit)
    return provider.generate(wanted), wanted.model or provider.default_model


def run_route(plan, request, logger, *, edit=False):
    """The first image result the route's targets give; raises the failure that ended the route."""
    config, route = current_app.config, route_of(plan)
    breaker, attempts, failure = breaker_for(current_app), [], None
    logger.context["attempts"] = attempts
    for target in route.ordered():
        key, started = breaker_key(target, config), time.perf_counter()
        allowed, wait = breaker.allow(key)
        if not allowed:
            failure = ProviderError("unavailable", f"{target.name} is skipped: its circuit breaker is open",
                                    retry_after=wait, code="circuit_open")
            attempts.append({**_attempt(target, started, "skipped", failure), "cost_usd": 0.0})
            _publish(target, key, breaker, "skipped")
            continue
        try:
            result, model = _call(target, request, plan, config, edit)
        except UnsupportedOption as error:  # this target's model cannot take the request; another may
            failure = ProviderError("invalid_request", f"{error.field}: {error.message}", field=error.field)
            attempts.append(_attempt(target, started, "skipped", failure))
            continue
        except ProviderError as error:
            failure = error
            attempts.append(_attempt(target, started, "failed", error))
            if route.falls_back(error):
                breaker.failed(key)
                _publish(target, key, breaker, "failed")
                FALLBACKS.labels(label("route", route.name), label("target", target.name), error.kind).inc()
                continue
            _publish(target, key, breaker, "failed")
            break
        breaker.succeeded(key)
        _publish(target, key, breaker, "success")
        attempts.append(_attempt(target, started, "success"))
        _serve_from(plan, logger, route, target, result.model or model)
        return result
    raise failure if failure is not None else ProviderError("unavailable", f"route {route.name} has no target")


def _serve_from(plan, logger, route, target, model):
    """The plan, its log and its record name the target that answered."""
    plan.provider, plan.model = target.provider, model
    logger.context.update(provider=target.provider, model=model)
    if plan.route is not None or len(logger.context["attempts"]) > 1:
        plan.extra_meta["route"] = {"name": route.name, "target": target.name,
                                    "attempts": len(logger.context["attempts"])}


def price_attempts(logger, cost):
    """The successful attempt costs what the images cost; the costs add up over the attempts."""
    attempts = logger.context.get("attempts") or []
    if attempts and attempts[-1]["outcome"] == "success":
        attempts[-1]["cost_usd"] = cost
    earlier = [a["cost_usd"] for a in attempts[:-1] if a["cost_usd"]]
    if earlier:
        logger.add_cost("failed_attempts", sum(earlier))


def _publish(target, key, breaker, outcome):
    ATTEMPTS.labels(label("target", target.name), outcome).inc()
    BREAKER_STATE.labels(label("target", target.name)).set(STATE_VALUES[breaker.state(key)])
