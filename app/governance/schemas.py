"""Key and user limits as the API takes them: budget, period, expiry, scopes, allowlists."""

from datetime import UTC

from marshmallow import Schema, fields, validate

from app.security.bounded import Integer, List

from .access import SCOPES
from .periods import PERIODS

Name = fields.String(validate=validate.Length(1, 100))


class BudgetSchema(Schema):
    budget_usd = fields.Float(allow_none=True, validate=validate.Range(0, 1_000_000), metadata={
        "description": "USD a calendar period may spend; null removes it"})
    budget_generations = Integer(allow_none=True, validate=validate.Range(0, 100_000_000), metadata={
        "description": "images a period may make; null removes it"})
    budget_period = fields.String(allow_none=True, validate=validate.OneOf(PERIODS), metadata={
        "description": "day, week (from Monday) or month, in BUDGET_TIMEZONE; month by default"})


class KeyLimitsSchema(BudgetSchema):
    expires_at = fields.AwareDateTime(default_timezone=UTC, allow_none=True, metadata={
        "description": "the key is refused (401) from this time on; null = never"})
    scopes = List(fields.String(validate=validate.OneOf(SCOPES)), allow_none=True,
                         validate=validate.Length(max=len(SCOPES)), metadata={
        "description": "og, generate, read, admin; null or absent = every right of its user"})
    allowed_models = List(Name, allow_none=True, validate=validate.Length(max=50), metadata={
        "description": "the models the key may generate with; null = any"})
    allowed_providers = List(Name, allow_none=True, validate=validate.Length(max=50), metadata={
        "description": "the providers the key may generate with; null = any"})
