"""Budgets per API key and per user: a USD and a generation-count limit per calendar period.

They are counted by the daily quota's machinery (``app/security/quotas.py``:
one Lua script in Redis, or the flock'd counter file without it), in the same
atomic step as the daily quota, so every process of every node sees one
count and exactly the limit gets through. A reservation holds the estimated
cost until the generation settles it with the real one, or gives it back.
Counters Redis lost (a restart without persistence) are rebuilt from the
period's ``generated_images`` rows of the key or user before anything is taken.
"""

import functools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from app.models import GeneratedImage
from app.models.types import utcnow
from app.security.quotas import MICRO, Counted, Limits, made_since

from .periods import period_bounds

ADJECTIVES = {"day": "daily", "week": "weekly", "month": "monthly"}


@dataclass(frozen=True)
class Budget:
    """One budget: whose (``owner`` key or user, and its id), what it is called, its period and limits."""

    owner: str
    owner_id: uuid.UUID
    label: str
    period: str
    usd: Decimal | None
    generations: int | None


class BudgetExceeded(Exception):
    """A reservation would pass ``budget``: ``quota`` is cost_usd or generations, ``spent`` what is counted."""

    def __init__(self, budget, quota, spent, starts_at, resets_at):
        limit = budget.usd if quota == "cost_usd" else budget.generations
        super().__init__(f"the {ADJECTIVES[budget.period]} budget of {budget.label} ({_amount(quota, limit)}) is spent: "
                         f"{_amount(quota, spent)} this {budget.period}; it resets at {resets_at.isoformat()}")
        self.budget, self.quota, self.spent, self.starts_at, self.resets_at = budget, quota, spent, starts_at, resets_at

    def describe(self):
        """The refusal's ``budget`` object, as the 429 body carries it."""
        budget = self.budget
        return {"owner": budget.owner, "id": str(budget.owner_id), "name": budget.label, "period": budget.period,
                "limit_usd": _usd(budget.usd), "limit_generations": budget.generations,
                "exceeded": self.quota, "spent": self.spent,
                "period_start": self.starts_at.isoformat(), "resets_at": self.resets_at.isoformat()}


def _usd(value):
    return None if value is None else float(value)


def _amount(quota, value):
    if quota == "cost_usd":
        return f"${Decimal(str(value)):.6f}".rstrip("0").rstrip(".")
    return f"{value} generation{'' if value == 1 else 's'}"


def budget_of(row, owner, label):
    """The Budget an ApiKey or User row sets, or None when it sets no limit."""
    if row is None or (row.budget_usd is None and row.budget_generations is None):
        return None
    return Budget(owner, row.id, label, row.budget_period or "month",
                  None if row.budget_usd is None else Decimal(row.budget_usd), row.budget_generations)


def budgets_for(key, user):
    """The budgets a generation by ``key`` of ``user`` takes from: the key's, then the user's."""
    found = [budget_of(key, "key", key_label(key) if key is not None else ""),
             budget_of(user, "user", f"user {user.username}" if user is not None else "")]
    return [budget for budget in found if budget is not None]


def key_label(key):
    return f"key {key.prefix}" + (f" ({key.name})" if key.name else "")


def _zone(config=None):
    return (config or current_app.config).get("BUDGET_TIMEZONE") or "UTC"


def counted(budget, now=None, config=None):
    """The budget's counters for the period holding ``now``, as the quota machinery counts them."""
    now = now or utcnow()
    start, end = period_bounds(budget.period, now, _zone(config))
    # The key ends in the day after the period (digits): the counter file forgets it once that day is past.
    stem = f"imprint:budget:{budget.owner}:{budget.owner_id}:{budget.period}{start:%Y%m%dT%H%M}:{end:%Y%m%d}"
    usd = None if budget.usd is None else float(budget.usd)
    ttl = max(1, int((end - now).total_seconds())) + 3600
    owner = (GeneratedImage.api_key_id if budget.owner == "key" else GeneratedImage.user_id) == budget.owner_id
    return Counted((f"{stem}:gen", f"{stem}:cost"), Limits(budget.generations, usd), ttl,
                   rebuild=functools.partial(made_since, owner, start))


def exceeded(budget, reached, now=None, config=None):
    """The BudgetExceeded for a LimitReached on ``budget``'s counters."""
    start, end = period_bounds(budget.period, now or utcnow(), _zone(config))
    spent = reached.used if reached.quota == "generations" else reached.spent
    return BudgetExceeded(budget, reached.quota, spent, start, end)


def budget_usage(quotas, budget, now=None, config=None):
    """What ``budget`` has counted this period: generations, USD (reservations included), its bounds and share."""
    now = now or utcnow()
    entry = counted(budget, now, config)
    generations, micros = quotas.read(entry.keys)
    start, end = period_bounds(budget.period, now, _zone(config))
    spent = Decimal(micros) / MICRO
    shares = [spent / budget.usd if budget.usd else None,
              Decimal(generations) / budget.generations if budget.generations else None]
    known = [share for share in shares if share is not None]
    return {"owner": budget.owner, "id": str(budget.owner_id), "name": budget.label, "period": budget.period,
            "limit_usd": _usd(budget.usd), "limit_generations": budget.generations,
            "spent_usd": float(spent), "generations": generations,
            "share": float(max(known)) if known else None,
            "period_start": start, "resets_at": end}
