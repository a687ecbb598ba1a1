"""The budgets that exist and what each has used this period."""

from sqlalchemy import or_, select

from app.extensions import db
from app.models import ApiKey, User
from app.security.quotas import get_quotas

from .budgets import budget_of, budget_usage, key_label


def budgets_in_use(user_id=None, now=None):
    """Every budget of an unrevoked key or a user (only ``user_id``'s when given), with its use this period."""
    has_budget = [or_(ApiKey.budget_usd.is_not(None), ApiKey.budget_generations.is_not(None))]
    keys = select(ApiKey).where(ApiKey.revoked_at.is_(None), *has_budget)
    users = select(User).where(or_(User.budget_usd.is_not(None), User.budget_generations.is_not(None)))
    if user_id is not None:
        keys, users = keys.where(ApiKey.user_id == user_id), users.where(User.id == user_id)
    found = [budget_of(key, "key", key_label(key)) for key in db.session.scalars(keys.order_by(ApiKey.prefix))]
    found += [budget_of(user, "user", f"user {user.username}") for user in db.session.scalars(
        users.order_by(User.username))]
    quotas = get_quotas()
    return [budget_usage(quotas, budget, now) for budget in found]
