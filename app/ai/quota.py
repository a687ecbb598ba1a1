"""Daily generation and cost quotas for AI generation (app/security/quotas does the counting).

A request reserves its images and their estimated cost before the provider is
called; success settles the reservation with the real cost, failure gives it
back. An asynchronous job carries its reservation to the worker as JSON.
"""

from flask import current_app, has_request_context

from app.extensions import db
from app.models import User
from app.security import client_ip
from app.security.limits import rate_limits_for
from app.security.quotas import QuotaExceeded, Reservation, get_quotas, limits_for, quota_identity

from .errors import RequestError
from .pricing import image_price


def reserve_generation(plan, principal):
    """Reserve today's quota for ``plan`` or raise RequestError(429) with Retry-After."""
    user = db.session.get(User, principal.user_id) if principal is not None else None
    limits = limits_for(principal, user)
    if limits.generations is None and limits.cost_usd is None:
        return None
    address = client_ip() if has_request_context() else None
    count = plan.payload.get("n") or 1
    price = image_price(current_app.config, plan.provider, plan.model, f"{plan.width}x{plan.height}",
                        plan.payload.get("quality"))
    try:
        return get_quotas().reserve(quota_identity(principal, address), limits, units=count,
                                    cost_usd=(price or 0.0) * count)
    except QuotaExceeded as exceeded:
        raise RequestError(429, f"{exceeded}; it resets in {exceeded.retry_after} s",
                           headers={"Retry-After": str(exceeded.retry_after)}) from exceeded


def usage_today(principal, address):
    """The caller's generations and cost today against their limits (None = unlimited), and each rate-limit group's limit."""
    user = db.session.get(User, principal.user_id) if principal is not None else None
    limits = limits_for(principal, user)
    identity = quota_identity(principal, address)
    usage = get_quotas().usage(identity)
    rpm = user.requests_per_minute if user and user.requests_per_minute else None
    rate_limits = rate_limits_for(current_app.config, rpm)
    return {
        "identity": identity,
        "generations_today": usage["generations"],
        "generation_limit": limits.generations,
        "cost_today_usd": usage["cost_usd"],
        "cost_limit_usd": limits.cost_usd,
        "resets_in_seconds": usage["resets_in"],
        "rate_limit": rate_limits["default"],
        "rate_limits": rate_limits,
    }


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
