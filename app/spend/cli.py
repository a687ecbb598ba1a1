"""Click options for budgets, expiry, scopes and allowlists, shared by ``flask keys`` and ``flask users``."""

import functools
from datetime import UTC, datetime

import click

from app.governance.access import SCOPES
from app.governance.periods import PERIODS

NONE = ("none", "")


def budget_options(fn):
    """--budget-usd, --budget-generations, --period ("none" clears a value)."""
    @click.option("--budget-usd", help="USD a period may spend ('none' removes it).")
    @click.option("--budget-generations", help="Images a period may make ('none' removes it).")
    @click.option("--period", type=click.Choice(PERIODS), help="The budget's calendar period (month by default).")
    @functools.wraps(fn)
    def wrapper(*args, budget_usd, budget_generations, period, **kwargs):
        values = {}
        if budget_usd is not None:
            values["budget_usd"] = None if budget_usd.lower() in NONE else _number(budget_usd, "--budget-usd", float)
        if budget_generations is not None:
            values["budget_generations"] = (None if budget_generations.lower() in NONE
                                            else _number(budget_generations, "--budget-generations", int))
        if period is not None:
            values["budget_period"] = period
        return fn(*args, limits=values, **kwargs)

    return wrapper


def key_options(fn):
    """budget_options plus --expires, --scope, --model, --provider (repeatable; 'none' clears)."""
    @budget_options
    @click.option("--expires", help="When the key stops working: a date (midnight UTC) or an ISO time; 'none'.")
    @click.option("--scope", "scopes", multiple=True, type=click.Choice([*SCOPES, "none"]),
                  help="What the key may do (repeatable); without any, everything its user may.")
    @click.option("--model", "models", multiple=True, help="A model the key may use (repeatable); 'none' = any.")
    @click.option("--provider", "providers", multiple=True, help="A provider the key may use (repeatable).")
    @functools.wraps(fn)
    def wrapper(*args, limits, expires, scopes, models, providers, **kwargs):
        values = dict(limits)
        if expires is not None:
            values["expires_at"] = None if expires.lower() in NONE else _moment(expires)
        for name, given in (("scopes", scopes), ("allowed_models", models), ("allowed_providers", providers)):
            if given:
                values[name] = None if any(v.lower() == "none" for v in given) else list(given)
        return fn(*args, limits=values, **kwargs)

    return wrapper


def _number(text, option, kind):
    try:
        return kind(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a number", param_hint=option) from None


def _moment(text):
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date or ISO time", param_hint="--expires") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _usd(amount):
    return f"{amount:.6f}".rstrip("0").rstrip(".")


def describe(row):
    """One line of a key's or user's limits."""
    parts = []
    if row.budget_usd is not None or row.budget_generations is not None:
        amounts = [f"${_usd(row.budget_usd)}" if row.budget_usd is not None else None,
                   f"{row.budget_generations} images" if row.budget_generations is not None else None]
        parts.append(" / ".join(a for a in amounts if a) + f" per {row.budget_period or 'month'}")
    for name in ("expires_at", "scopes", "allowed_models", "allowed_providers"):
        value = getattr(row, name, None)
        if value:
            parts.append(f"{name}={value if not isinstance(value, list) else ','.join(value)}")
    return "; ".join(parts) or "no limits"
