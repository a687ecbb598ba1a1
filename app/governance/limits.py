"""Set what a key may spend and do (budget, period, expiry, scopes, allowlists) and a user's budget.

The CLI, the admin API and the dashboard call these with already-parsed
values; each checks what it is given and raises LimitsInvalid naming the field.
"""

from decimal import Decimal

from app.extensions import db
from app.models.types import utcnow

from .access import SCOPES, format_scopes, parse_scopes
from .periods import PERIODS

BUDGET_FIELDS = ("budget_usd", "budget_generations", "budget_period")
KEY_FIELDS = (*BUDGET_FIELDS, "expires_at", "scopes", "allowed_models", "allowed_providers")
MAX_BUDGET_USD = Decimal("1000000")
MAX_LIST = 50


class LimitsInvalid(ValueError):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _check_budget(values):
    usd = values.get("budget_usd")
    if usd is not None and not (0 <= Decimal(str(usd)) <= MAX_BUDGET_USD):
        raise LimitsInvalid("budget_usd", f"must be between 0 and {MAX_BUDGET_USD}")
    count = values.get("budget_generations")
    if count is not None and not (0 <= int(count) <= 100_000_000):
        raise LimitsInvalid("budget_generations", "must be between 0 and 100000000")
    period = values.get("budget_period")
    if period is not None and period not in PERIODS:
        raise LimitsInvalid("budget_period", f"must be one of {', '.join(PERIODS)}")


def check_key_limits(values):
    _check_budget(values)
    scopes = values.get("scopes")
    if scopes is not None:
        unknown = set(scopes) - set(SCOPES)
        if unknown:
            raise LimitsInvalid("scopes", f"unknown {', '.join(sorted(unknown))}; one of {', '.join(SCOPES)}")
    for name in ("allowed_models", "allowed_providers"):
        names = values.get(name)
        if names is not None and (len(names) > MAX_LIST or any(not n or len(n) > 100 for n in names)):
            raise LimitsInvalid(name, f"at most {MAX_LIST} names of 1 to 100 characters")
    expires = values.get("expires_at")
    if expires is not None and expires.tzinfo is None:
        raise LimitsInvalid("expires_at", "needs a time zone")


def set_key_limits(key, values):
    """Apply the KEY_FIELDS present in ``values`` to ``key`` (None clears one) and commit; returns the key."""
    check_key_limits(values)
    for name in KEY_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "scopes":
            value = format_scopes(value)
        elif name in ("allowed_models", "allowed_providers"):
            value = sorted(set(value)) if value else None
        elif name == "budget_usd" and value is not None:
            value = Decimal(str(value))
        setattr(key, name, value)
    db.session.commit()
    return key


def set_user_budget(user, values):
    """Apply the BUDGET_FIELDS present in ``values`` to ``user`` and commit; returns the user."""
    _check_budget(values)
    for name in BUDGET_FIELDS:
        if name in values:
            value = values[name]
            setattr(user, name, Decimal(str(value)) if name == "budget_usd" and value is not None else value)
    db.session.commit()
    return user


def limits_view(row):
    """The budget fields of a key or user as the API shows them (scopes as a list)."""
    view = {"budget_usd": None if row.budget_usd is None else float(row.budget_usd),
            "budget_generations": row.budget_generations,
            "budget_period": row.budget_period or ("month" if row.budget_usd is not None
                                                   or row.budget_generations is not None else None)}
    if hasattr(row, "scopes"):
        scopes = parse_scopes(row.scopes)
        view.update(expires_at=row.expires_at, scopes=sorted(scopes, key=SCOPES.index) if scopes else None,
                    allowed_models=row.allowed_models, allowed_providers=row.allowed_providers,
                    is_expired=row.expires_at is not None and row.expires_at <= utcnow())
    return view
