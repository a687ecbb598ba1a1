"""Accounts: users and their API keys."""

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

from .types import JSONType, UTCDateTime, UUIDType, new_uuid, utcnow


class User(db.Model):
    __tablename__ = "users"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    email: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="1")
    # Per-user quota overrides; NULL means "the configured default".
    daily_generation_limit: Mapped[int | None] = mapped_column(Integer)
    daily_cost_limit_usd = mapped_column(Numeric(12, 4))
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    # A budget over calendar periods (app/governance/budgets.py); NULL = none.
    budget_usd = mapped_column(Numeric(12, 6))
    budget_generations: Mapped[int | None] = mapped_column(Integer)
    budget_period: Mapped[str | None] = mapped_column(String(10))  # day | week | month
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    api_keys = relationship("ApiKey", back_populates="user", passive_deletes=True)


class ApiKey(db.Model):
    """A key is shown once; only its SHA-256 is kept, found by its public prefix."""

    __tablename__ = "api_keys"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    scopes: Mapped[str | None] = mapped_column(Text)  # space-separated (og generate read admin); NULL = all
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = mapped_column(UTCDateTime)
    revoked_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime)
    budget_usd = mapped_column(Numeric(12, 6))
    budget_generations: Mapped[int | None] = mapped_column(Integer)
    budget_period: Mapped[str | None] = mapped_column(String(10))
    allowed_models = mapped_column(JSONType)  # a list of model names; NULL = any
    allowed_providers = mapped_column(JSONType)

    user = relationship("User", back_populates="api_keys")


class DashboardSession(db.Model):
    """A dashboard sign-in; the cookie holds only this row's random id, so signing out (deleting the row)
    ends the session for every copy of the cookie."""

    __tablename__ = "dashboard_sessions"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    key_id = mapped_column(UUIDType, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)
