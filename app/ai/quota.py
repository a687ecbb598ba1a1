"""Daily generation and cost quotas for AI generation (app/security/quotas does the counting).

A request reserves its images and their estimated cost before the provider is
called; success settles the reservation with the real cost, failure gives it
back. An asynchronous job carries its reservation to the worker as JSON.
"""

import math

from flask import current_app

from app.errors import RETRY_AFTER_SECONDS
from app.extensions import db
from app.governance import budgets
from app.governance.access import allowlist_refusal
from app.models import ApiKey, User
from app.models.types import utcnow
from app.observability import tracing
from app.security.quotas import (
    LimitReached,
    QuotaUnavailable,
    Reservation,
    daily_exceeded,
    get_quotas,
    limits_for,
    quota_identity,
)

from .errors import RequestError
from .pricing import image_price, price_table
from .providers import PROVIDERS, get_provider


def reserve_generation(plan, caller):
    """Reserve today's quota and the key's and user's budgets of ``caller`` (a Caller) for ``plan``, all at once,
    or raise RequestError: 403 for a model or provider the key may not use, 429 with Retry-After when spent."""
    principal = caller.principal
    user = db.session.get(User, principal.user_id) if principal is not None else None
    key = db.session.get(ApiKey, principal.key_id) if principal is not None and principal.key_id else None
    refusal = allowlist_refusal(key, plan.provider, planned_model(current_app.config, plan))
    if refusal is not None:
        raise RequestError(403, refusal[1], field=refusal[0])
    limits = limits_for(principal, user)
    quotas = get_quotas()
    daily = [] if limits.generations is None and limits.cost_usd is None else [
        quotas.daily(quota_identity(principal, caller.address), limits)]
    found = budgets.budgets_for(key, user)
    if not daily and not found:
        return None
    count = plan.options.n
    price = estimated_price(current_app.config, plan)
    try:
        with tracing.span("imprint.quota", {"imprint.quota.units": count}):
            return quotas.reserve_all(daily + [budgets.counted(budget) for budget in found], units=count,
                                      cost_usd=(price or 0.0) * count)
    except LimitReached as reached:
        if daily and reached.index == 0:
            exceeded = daily_exceeded(reached, limits)
            raise RequestError(429, f"{exceeded}; it resets in {exceeded.retry_after} s",
                               headers={"Retry-After": str(exceeded.retry_after)}) from None
        refusal = budgets.exceeded(found[reached.index - len(daily)], reached)
        raise RequestError(429, str(refusal), headers={"Retry-After": str(_seconds_until(refusal.resets_at))},
                           detail={"budget": refusal.describe()}) from None
    except QuotaUnavailable as error:
        raise RequestError(503, f"{error}; retry shortly", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from error


def _seconds_until(moment):
    """Whole seconds until ``moment``, rounded up: a client that waits them finds the new period."""
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


def planned_model(config, plan):
    """The model the provider will be asked for: the plan's, else the provider's default."""
    if plan.model is None and plan.provider in PROVIDERS:
        return get_provider(plan.provider, config).default_model
    return plan.model


def estimated_price(config, plan):
    """One image's price for the reservation: the provider's default model when none is named, and the
    dearest quality when none is (settling with the real cost gives back the difference)."""
    model = planned_model(config, plan)
    size, quality = f"{plan.width}x{plan.height}", plan.options.quality
    price = image_price(config, plan.provider, model, size, quality)
    if price is None and quality is None:
        qualities = (price_table(config).get(plan.provider) or {}).get(model) or {}
        known = [p for p in (qualities.get(size) or {}).values() if isinstance(p, int | float)]
        price = max(known, default=None)
    return price


def reservation_json(reservation):
    if reservation is None:
        return None
    return {"keys": list(reservation.keys), "units": reservation.units, "cost": reservation.cost}


def reservation_from_json(data):
    if not data:
        return None
    return Reservation(get_quotas(), tuple(data["keys"]), data["units"], data["cost"])


def outcome_cost(records):
    """The real cost of what was made, or None when any price is unknown."""
    costs = [record.cost_usd for record in records]
    return None if any(cost is None for cost in costs) else float(sum(costs))
